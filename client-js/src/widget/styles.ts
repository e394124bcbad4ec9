// Styles live inside the shadow root: the host page's CSS cannot reach in and ours cannot leak out.
export const widgetCss = `
:host { all: initial; }
[hidden] { display: none !important; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif; }
.launcher { position: fixed; right: 20px; bottom: 20px; width: 60px; height: 60px; border-radius: 50%;
  border: none; background: #1652f0; color: #fff; cursor: pointer; box-shadow: 0 4px 16px rgba(0,0,0,.25);
  display: flex; align-items: center; justify-content: center; z-index: 2147483646; }
.launcher svg { width: 28px; height: 28px; fill: currentColor; }
.launcher:focus-visible, button:focus-visible, textarea:focus-visible, input:focus-visible, select:focus-visible
  { outline: 3px solid #1b1f24; outline-offset: 2px; }
header :focus-visible { outline-color: #fff; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.badge { position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; border-radius: 11px;
  background: #e5383b; color: #fff; font-size: 12px; font-weight: 700; line-height: 22px; text-align: center; padding: 0 6px; }
.panel { position: fixed; right: 20px; bottom: 92px; width: 370px; height: 560px; max-height: calc(100vh - 110px);
  background: #fff; color: #1b1f24; border-radius: 14px; box-shadow: 0 8px 32px rgba(0,0,0,.28);
  display: flex; flex-direction: column; overflow: hidden; z-index: 2147483647; font-size: 14px; }
.panel[hidden] { display: none; }
header { background: #1652f0; color: #fff; padding: 12px 14px; display: flex; align-items: center; gap: 8px; }
header h2 { margin: 0; font-size: 16px; flex: 1; }
header .status { font-size: 12px; opacity: .9; display: block; font-weight: 400; margin-top: 2px; }
.icon-button { background: transparent; border: none; color: inherit; font-size: 20px; cursor: pointer; padding: 4px 8px; border-radius: 6px; }
.avatar { display: inline-flex; align-items: center; justify-content: center; width: 32px; height: 32px; border-radius: 50%;
  background: #fff; color: #1652f0; font-weight: 700; font-size: 13px; flex: none; }
.avatar[hidden] { display: none; }
.avatar.small { width: 20px; height: 20px; font-size: 10px; margin-right: 4px; background: #1652f0; color: #fff; vertical-align: middle; }
.availability { margin: 0; font-size: 12px; padding: 6px 8px; border-radius: 6px; background: #eef5ff; color: #1b1f24; }
.availability[data-open="false"] { background: #fff4d6; color: #6b4e00; }
.banner { background: #fff4d6; color: #6b4e00; padding: 6px 12px; font-size: 12px; }
.banner[hidden] { display: none; }
.body { flex: 1; overflow-y: auto; padding: 12px; background: #f5f7fa; }
form.prechat { display: flex; flex-direction: column; gap: 8px; }
form.prechat .suggestions { padding: 6px 8px; border-radius: 6px; background: #f0f4fa; font-size: 13px; }
form.prechat .suggestions p { margin: 0 0 2px; color: #57606a; }
form.prechat .suggestions ul { margin: 0; padding-left: 18px; }
form.prechat .suggestions a { color: #0b5cd5; overflow-wrap: anywhere; }
/* The Start button stays in view at the bottom of the form, however tall the screen. */
form.prechat button[type=submit] { position: sticky; bottom: 0; box-shadow: 0 -8px 12px #f5f7fa; }
form.prechat .request-sent { margin: 0; padding: 6px 8px; border-radius: 6px; background: #e6f4ea; color: #1e4620; }
form.prechat .requests h3 { margin: 0 0 4px; font-size: 13px; }
form.prechat .request { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 8px; margin-bottom: 6px; }
form.prechat .request p { margin: 0; overflow-wrap: anywhere; }
form.prechat .request-head { font-weight: 600; }
form.prechat .request-reply .meta { color: #57606a; font-size: 12px; }
form.prechat .error { margin: 0; padding: 6px 8px; border-radius: 6px; background: #fde8e8; color: #8a1c1c; }
.masked-note { display: block; font-size: 12px; font-style: italic; }
.secret-warning { margin: 0 0 6px; padding: 6px 8px; border-radius: 6px; background: #fde8e8; color: #8a1c1c; font-size: 13px; }
form.transcript-mail { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
form.transcript-mail input { flex: 1 1 160px; }
form.transcript-mail .transcript-status { flex-basis: 100%; margin: 0; color: #4a5360; }
form.request-offer { display: flex; flex-direction: column; gap: 8px; margin-top: 8px; padding: 8px; border: 1px solid #d0d7de; border-radius: 8px; background: #fff; }
form.request-offer p { margin: 0; overflow-wrap: anywhere; }
form.request-offer .error { padding: 6px 8px; border-radius: 6px; background: #fde8e8; color: #8a1c1c; }
label { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: #4a5360; }
input, select, textarea { font-size: 14px; padding: 8px; border: 1px solid #c9d1db; border-radius: 8px; background: #fff; color: #1b1f24; }
textarea { resize: vertical; min-height: 70px; }
.primary { background: #1652f0; color: #fff; border: none; border-radius: 8px; padding: 10px; font-size: 14px; cursor: pointer; }
.primary:disabled { opacity: .6; cursor: default; }
.secondary { background: #fff; color: #1652f0; border: 1px solid #1652f0; border-radius: 8px; padding: 6px 10px; font-size: 12px; cursor: pointer; }
.messages { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.msg { max-width: 80%; padding: 8px 10px; border-radius: 12px; background: #fff; border: 1px solid #e1e6ec; align-self: flex-start; white-space: pre-wrap; word-break: break-word; }
.msg.mine { align-self: flex-end; background: #1652f0; color: #fff; border-color: #1652f0; }
.msg.system { align-self: center; background: transparent; border: none; color: #56606c; font-size: 12px; text-align: center; }
.msg .meta { display: block; font-size: 11px; opacity: .8; margin-top: 3px; }
.msg.mine .meta { opacity: 1; }
.msg .who { display: block; font-size: 11px; font-weight: 600; margin-bottom: 2px; }
.typing { font-size: 12px; color: #56606c; min-height: 18px; padding: 2px 12px; background: #f5f7fa; }
.composer { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #e1e6ec; background: #fff; }
.composer textarea { flex: 1; min-height: 40px; max-height: 120px; }
.actions { display: flex; gap: 6px; padding: 6px 8px 0; background: #fff; flex-wrap: wrap; }
.rating { display: flex; flex-direction: column; gap: 10px; align-items: stretch; padding: 8px 0; }
.stars { display: flex; gap: 4px; justify-content: center; }
.star { font-size: 28px; background: none; border: none; cursor: pointer; color: #7d8693; }
.star[aria-pressed="true"] { color: #b45309; }
.notice { text-align: center; color: #4a5360; }
@media (max-width: 480px) {
  .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; max-height: 100vh; border-radius: 0; }
}
`;
