# Generates tests/data/secrets-corpus.json with python3-mnemonic (apt install python3-mnemonic) (the BIP39
# reference implementation) as the oracle for seed phrases and hashlib for
# base58check keys. Run once; the output is committed.
import hashlib, json, os, random, sys

from mnemonic import Mnemonic
random.seed(20261206)
def rb(n): return bytes(random.getrandbits(8) for _ in range(n))
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
def b58(b):
    n = int.from_bytes(b, "big"); s = ""
    while n: n, r = divmod(n, 58); s = B58[r] + s
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + s
def check(payload): return b58(payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4])
cases = []
def pos(what, text, kind): cases.append({"what": what, "text": text, "secret": kind})
def neg(what, text): cases.append({"what": what, "text": text, "secret": None})
en = Mnemonic("english")
m12 = en.to_mnemonic(rb(16)); m24 = en.to_mnemonic(rb(32)); m15 = en.to_mnemonic(rb(20))
pos("12 English words (valid checksum)", m12, "seed_phrase")
pos("24 English words (valid checksum)", m24, "seed_phrase")
pos("15 words inside a sentence", "hi support, my wallet words are " + m15 + " can you check my balance?", "seed_phrase")
pos("numbered list", "\n".join(f"{i+1}. {w}" for i, w in enumerate(m12.split())), "seed_phrase")
pos("numbered inline with parentheses", " ".join(f"{i+1}) {w}" for i, w in enumerate(m12.split())), "seed_phrase")
pos("comma separated, upper case", ", ".join(w.upper() for w in m24.split()), "seed_phrase")
pos("first four letters only", " ".join(w[:4] for w in m12.split()), "seed_phrase")
words = m12.split(); words[-1] = "zoo" if words[-1] != "zoo" else "zone"
pos("12 words with a wrong checksum", " ".join(words), "seed_phrase")
for lang in ["chinese_simplified", "chinese_traditional", "japanese", "spanish", "french", "italian", "korean", "czech", "portuguese"]:
    try: mm = Mnemonic(lang)
    except Exception: continue
    phrase = mm.to_mnemonic(rb(16))
    pos(f"12 words in {lang}", phrase, "seed_phrase")
neg("11 English words", " ".join(en.to_mnemonic(rb(16)).split()[:11]))
neg("English prose made of BIP39 words", "I am worried because my deposit did not arrive in time and the exchange support again asked me to wait about one more hour")
neg("English prose about a withdrawal", "Please help, my withdrawal of 2 ETH to my own wallet has been pending for three hours and the fee was very high, what should I do now?")
neg("Chinese prose", "您好，我昨天充值了两千USDT，到现在还没有到账，交易哈希已经在区块链浏览器上显示成功了，请帮我查一下是什么原因。")
neg("Chinese words with spaces", "我的 充值 没有 到账 请 帮我 查 一下 交易 记录 谢谢 客服")
neg("a transaction id (64 hex)", "My deposit tx is 0x" + rb(32).hex() + " and it is still not credited")
neg("a transaction id, the refund form's field", "Transaction ID: " + rb(32).hex())
neg("an Ethereum address", "send it back to 0x" + rb(20).hex() + " please")
neg("a Bitcoin address (base58check, version 0)", "my address is " + check(b"\x00" + rb(20)))
neg("an extended public key", "my xpub is " + check(bytes.fromhex("0488b21e") + rb(74)))
neg("a WIF-shaped string with a broken checksum", "key " + check(b"\x80" + rb(32) + b"\x01")[:-1] + "1")
neg("an order number and amounts", "Order 123456789, amount 0.5 BTC, fee 0.0002 BTC, price 43210.55 USDT")
pos("WIF, compressed", "here is my key " + check(b"\x80" + rb(32) + b"\x01"), "private_key")
pos("WIF, uncompressed", check(b"\x80" + rb(32)), "private_key")
pos("WIF, testnet", "testnet key " + check(b"\xef" + rb(32) + b"\x01"), "private_key")
pos("xprv", "xprv: " + check(bytes.fromhex("0488ade4") + rb(74)), "private_key")
pos("tprv", check(bytes.fromhex("04358394") + rb(74)), "private_key")
pos("zprv", check(bytes.fromhex("04b2430c") + rb(74)), "private_key")
pos("64 hex after 'private key'", "my private key: " + rb(32).hex(), "private_key")
pos("64 hex after 私钥", "这是我的私钥 0x" + rb(32).hex() + " 请帮我转出", "private_key")
pos("64 hex after 'privkey is'", "privkey is " + rb(32).hex(), "private_key")
pos("a 2FA code by context", "my 2FA code is 482913", "code")
pos("a Google Authenticator code in Chinese", "谷歌验证码：739201", "code")
pos("a password by context", "my password is Hunter2!2026", "password")
pos("a password in Chinese", "登录密码是 abc123456", "password")
neg("a code that is not 2FA", "the error code is 500123 on the withdrawal page")
neg("talking about passwords", "I forgot my password, how do I reset it?")
json.dump({"about": "Shared by tests/unit/test_secrets.cpp and client-js/test/secrets.test.ts; made by python3-mnemonic (seed phrases) and hashlib (base58check keys). secret: the kind the detector must find, or null for text it must leave alone.",
           "cases": cases}, open(sys.argv[1], "w"), ensure_ascii=False, indent=1)
print(len(cases))
