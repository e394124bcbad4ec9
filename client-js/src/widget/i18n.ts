// Widget strings in English and Simplified Chinese.
export type Locale = "en" | "zh-CN";

const en = {
  launcher: "Chat with support",
  title: "Support",
  close: "Close chat window",
  intro: "Tell us what happened and we'll connect you with an agent.",
  category: "Topic",
  categories: ["Account", "Deposit", "Withdrawal", "Trading", "Refund", "Other"],
  message: "Describe your problem",
  transactionId: "Transaction ID (optional)",
  suggested: "These articles may answer your question",
  subject: "Subject (optional)",
  name: "Name (optional)",
  email: "E-mail (optional)",
  start: "Start chat",
  starting: "Connecting you…",
  // Before a chat: whether the chosen topic is served now (business hours, agents online).
  availableWait: (minutes: number) => `An agent is available. Estimated wait: about ${minutes} min.`,
  availableNoAgent: "No agent is online right now.",
  closedUntil: (when: string) => `We are closed now. Back ${when}, your time.`,
  closedNow: "We are closed now.",
  // Nobody can chat: the form leaves a request instead, answered by e-mail.
  leaveIntro: "Nobody can chat right now. Leave your request and we will answer by e-mail; you will also see the answer here.",
  emailRequired: "E-mail (we answer here)",
  leaveRequest: "Send request",
  requestSent: (n: number, when: string, email: string) => `Request #${n} received. We will answer by ${when} (your time), at ${email}.`,
  yourRequests: "Your requests",
  requestStatus: { open: "waiting for support", pending: "answered", solved: "solved", closed: "closed" } as Record<string, string>,
  fromSupport: (name: string) => `${name}, support`,
  requestRefused: {
    rateLimited: "Too many requests from your network just now. Please wait a minute and send again.",
    limitReached: "You have many open requests; we are answering them first.",
    invalid: "Something in the form is not accepted: an e-mail address and a description are needed.",
    other: "Your request could not be sent. Please try again.",
  },
  // Waiting is not worth it: the chat can become a request answered by e-mail.
  offer: {
    waitedLong: "Nobody has been free for a while. Leave your question as a request and we will answer by e-mail, or keep waiting.",
    closed: "Support has closed for now. Leave your question as a request and we will answer by e-mail.",
    nobodyOnline: "No agent is online now. Leave your question as a request and we will answer by e-mail.",
  },
  leaveChatAsRequest: "Leave as a request",
  requestLeft: "Your question is now a request; the answer comes by e-mail and will be shown here too.",
  queued: (position: number, minutes: number) =>
    `You are number ${position} in line. Estimated wait: about ${minutes} min.`,
  queuedSenior: (position: number, minutes: number) =>
    `Waiting for senior support: number ${position} in line, about ${minutes} min.`,
  chattingWith: (name: string) => `You are chatting with ${name}`,
  seniorWith: (name: string) => `Senior support: ${name}`,
  seniorTookOver: "Senior support has taken over your chat.",
  typing: (name: string) => `${name} is typing…`,
  placeholder: "Type a message",
  send: "Send",
  requestSenior: "Request senior support",
  seniorRequested: "Senior support requested",
  end: "End chat",
  reconnecting: "Connection lost. Reconnecting…",
  historyLost: "Some earlier messages could not be restored. We are sorry.",
  ended: "This chat has ended.",
  ratePrompt: "How did we do?",
  rateStar: (n: number) => `${n} out of 5`,
  comment: "Comment (optional)",
  submitRating: "Send rating",
  thanks: "Thank you for your feedback!",
  newChat: "Start a new chat",
  // A secret in what the visitor typed: not sent, and why.
  secrets: {
    held: (what: string) => `Not sent: this looks like ${what}. Please remove it.`,
    kinds: { seed_phrase: "a recovery (seed) phrase", private_key: "a private key", code: "a 2FA code", password: "a password" },
    and: " and ",
    never: "Support will never ask for your recovery phrase, private keys, passwords or 2FA codes. Anyone who asks is not us.",
    removed: "A secret was removed from this message: support never needs it.",
  },
  transcript: {
    ask: "E-mail me this conversation",
    sent: (email: string) => `Sent to ${email}. It may take a few minutes to arrive.`,
    limit: "This conversation has already been sent three times.",
    invalid: "Please enter one valid e-mail address.",
    failed: "The conversation could not be sent. Please try again.",
  },
  states: { sending: "Sending", sent: "Sent", delivered: "Delivered", read: "Read" },
  you: "You",
  unread: (n: number) => `${n} unread messages`,
  // System messages, by their code.
  notices: {
    agentJoined: (name: string) => `${name} joined the chat.`,
    seniorJoined: (name: string) => `${name} from senior support joined the chat.`,
    agentDisconnected: "Your agent was disconnected. You are first in line for the next available agent.",
    escalating: "Your chat is being passed to senior support. Please stay here.",
    visitorEnded: "You ended the chat.",
    closed: "The chat was closed.",
    visitorLeft: "The chat was closed because you left before an agent was free.",
    ticketOpened: (n: string, when: string) =>
      `Your question needs checking: it is now request #${n}. We will answer by e-mail by ${when} (your time).`,
  },
  // Why a chat could not start; what the visitor typed stays in the form.
  refused: {
    rateLimited: "Too many new chats from your network just now. Please wait a minute and press Start again.",
    invalid: "Something in the form is not accepted. Please check it and try again.",
    unavailable: "We cannot take your message right now. Please try again in a moment.",
    other: "Your chat could not be started. Please try again.",
  },
};

export type Strings = typeof en;

const zh: Strings = {
  launcher: "联系客服",
  title: "在线客服",
  close: "关闭聊天窗口",
  intro: "请描述您遇到的问题，我们将为您转接客服。",
  category: "问题类型",
  categories: ["账户", "充值", "提现", "交易", "退款", "其他"],
  message: "请描述您的问题",
  transactionId: "交易 ID（可选）",
  suggested: "这些文章也许能解答您的问题",
  subject: "主题（可选）",
  name: "姓名（可选）",
  email: "电子邮箱（可选）",
  start: "开始咨询",
  availableWait: (minutes) => `客服在线，预计等待约 ${minutes} 分钟。`,
  availableNoAgent: "目前没有在线客服。",
  closedUntil: (when) => `现在不在服务时间，将于${when}（您当地时间）恢复服务。`,
  leaveIntro: "现在无法在线咨询。请留下您的请求，我们将通过电子邮件答复，您回到这里也能看到答复。",
  emailRequired: "电子邮箱（我们将回复至此）",
  leaveRequest: "提交请求",
  requestSent: (n, when, email) => `已收到请求 #${n}。我们将在 ${when}（您当地时间）之前回复至 ${email}。`,
  yourRequests: "您的请求",
  requestStatus: { open: "等待客服处理", pending: "已答复", solved: "已解决", closed: "已关闭" },
  fromSupport: (name) => `客服 ${name}`,
  requestRefused: {
    rateLimited: "您所在网络刚刚提交的请求过多，请稍等一分钟后再提交。",
    limitReached: "您有多个未处理的请求，我们正在优先处理。",
    invalid: "表单中有内容不被接受：需要电子邮箱和问题描述。",
    other: "请求未能提交，请重试。",
  },
  closedNow: "现在不在服务时间。",
  starting: "正在为您连接…",
  queued: (position, minutes) => `您当前排在第 ${position} 位，预计等待约 ${minutes} 分钟。`,
  queuedSenior: (position, minutes) => `正在等待高级客服：第 ${position} 位，约 ${minutes} 分钟。`,
  chattingWith: (name) => `客服 ${name} 正在为您服务`,
  seniorWith: (name) => `高级客服：${name}`,
  seniorTookOver: "高级技术支持已接手您的会话。",
  offer: {
    waitedLong: "客服已有一段时间无法接入。您可以将问题转为请求，我们将通过邮件答复；也可以继续等待。",
    closed: "客服现已下班。您可以将问题转为请求，我们将通过邮件答复。",
    nobodyOnline: "目前没有在线客服。您可以将问题转为请求，我们将通过邮件答复。",
  },
  leaveChatAsRequest: "转为请求",
  requestLeft: "您的问题已转为请求，答复将通过邮件发送，也会显示在这里。",
  typing: (name) => `${name} 正在输入…`,
  placeholder: "输入消息",
  send: "发送",
  requestSenior: "请求高级客服",
  seniorRequested: "已请求高级客服",
  end: "结束会话",
  reconnecting: "连接已断开，正在重新连接…",
  historyLost: "部分早前的消息无法恢复，非常抱歉。",
  ended: "本次会话已结束。",
  ratePrompt: "请为本次服务评分",
  rateStar: (n) => `${n} 分（满分 5 分）`,
  comment: "评价（可选）",
  submitRating: "提交评价",
  thanks: "感谢您的反馈！",
  newChat: "发起新的咨询",
  secrets: {
    held: (what) => `未发送：内容中似乎包含${what}，请删除后再发送。`,
    kinds: { seed_phrase: "助记词", private_key: "私钥", code: "两步验证码", password: "密码" },
    and: "和",
    never: "客服绝不会向您索要助记词、私钥、密码或验证码，任何索要者都不是我们。",
    removed: "此消息中的敏感信息已被移除：客服绝不需要它。",
  },
  transcript: {
    ask: "将本次会话记录发送到我的邮箱",
    sent: (email) => `已发送至 ${email}，可能需要几分钟才能送达。`,
    limit: "本次会话记录已发送过三次。",
    invalid: "请输入一个有效的电子邮箱地址。",
    failed: "会话记录发送失败，请重试。",
  },
  states: { sending: "发送中", sent: "已发送", delivered: "已送达", read: "已读" },
  you: "我",
  unread: (n) => `${n} 条未读消息`,
  notices: {
    agentJoined: (name) => `客服 ${name} 已加入会话。`,
    seniorJoined: (name) => `高级客服 ${name} 已加入会话。`,
    agentDisconnected: "您的客服连接已断开。您已排在队列首位，将由下一位空闲客服为您服务。",
    escalating: "您的会话正在转交给高级客服，请不要离开。",
    visitorEnded: "您已结束本次会话。",
    closed: "本次会话已关闭。",
    visitorLeft: "由于您在客服接入前离开，本次会话已关闭。",
    ticketOpened: (n, when) => `您的问题需要进一步核查，已转为请求 #${n}。我们将在 ${when}（您的时间）之前通过邮件答复您。`,
  },
  refused: {
    rateLimited: "您所在网络刚刚发起的新会话过多，请稍等一分钟后再点击开始。",
    invalid: "表单中有内容不被接受，请检查后重试。",
    unavailable: "暂时无法接收您的消息，请稍后再试。",
    other: "无法开始会话，请重试。",
  },
};

export function pickLocale(requested: string | undefined, browser: readonly string[]): Locale {
  for (const tag of [requested, ...browser]) {
    if (!tag) continue;
    const lower = tag.toLowerCase();
    if (lower.startsWith("zh")) return "zh-CN";
    if (lower.startsWith("en")) return "en";
  }
  return "en";
}

export function strings(locale: Locale): Strings {
  return locale === "zh-CN" ? zh : en;
}
