// A real OpenID provider (npm oidc-provider, OpenID-certified) for the single sign-on tests: the client under
// test talks to it exactly as it would to NHS CIS2, and every code and token it checks was issued here.
//
//   node oidc_provider.mjs --client-id ID --client-secret SECRET --redirect-uri URI
//                          [--code-ttl SECONDS] [--id-token-ttl SECONDS]
//
// Listens on 127.0.0.1 at a free port; the first line on stdout is the issuer URL. Then it reads one JSON
// request a line on stdin and answers each with one JSON line on stdout:
//   {"login": AUTH_URL}            plays the staff member's browser: opens AUTH_URL, signs in as the test
//                                  account and consents through the provider's own login and consent forms,
//                                  and answers {"location": ...}, the redirect back to the client.
//   {"rotate": true}               publishes one more signing key (a key rotation), answers {"kid": ...}
//   {"sign": CLAIMS, "key": K, "alg": A}
//                                  an ID token with CLAIMS, signed with the provider's key K ("rsa-1", "ec-1",
//                                  a rotated key's kid, or "unpublished" for one nobody publishes); alg "none"
//                                  or "HS256" (keyed with the client secret) forge the classic bad tokens.
// It exits when stdin closes, so a test that crashes leaves no provider behind.
//
// Besides the client given, it registers "<ID>-es256", the same client with ES256-signed ID tokens.
// The account is made up: Jo Example, jo.example@test-surgery.example.
import crypto from 'node:crypto';
import http from 'node:http';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

// stdout is the test's channel: oidc-provider's notices (console.info) go to stderr with its warnings.
console.info = console.warn;

const { values: args } = parseArgs({
  options: {
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string' },
    'code-ttl': { type: 'string', default: '60' },
    'id-token-ttl': { type: 'string', default: '3600' },
  },
});
for (const name of ['client-id', 'client-secret', 'redirect-uri']) {
  if (!args[name]) {
    process.stderr.write(`oidc_provider: --${name} is required\n`);
    process.exit(2);
  }
}

const ACCOUNT = {
  sub: 'jo-example-0001',
  email: 'jo.example@test-surgery.example',
  email_verified: true,
  name: 'Jo Example',
  given_name: 'Jo',
  family_name: 'Example',
};

function signingKey(kid, type) {
  const pair = type === 'ec'
    ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    alg: type === 'ec' ? 'ES256' : 'RS256',
    privateKey: pair.privateKey,
    privateJwk: { ...pair.privateKey.export({ format: 'jwk' }), kid, use: 'sig' },
    publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' },
  };
}

const keys = [signingKey('rsa-1', 'rsa'), signingKey('ec-1', 'ec')];
// Published after a {"rotate"} only: the provider keeps signing with its own keys meanwhile.
const rotated = [];

const server = http.createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const client = {
  client_id: args['client-id'],
  client_secret: args['client-secret'],
  redirect_uris: [args['redirect-uri']],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
};
const provider = new Provider(issuer, {
  clients: [client, { ...client, client_id: `${client.client_id}-es256`, id_token_signed_response_alg: 'ES256' }],
  jwks: { keys: keys.map((k) => k.privateJwk) },
  async findAccount(ctx, sub) {
    if (sub !== ACCOUNT.sub) return undefined;
    return { accountId: sub, claims: async () => ({ ...ACCOUNT }) };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  // The scope's claims in the ID token itself, as NHS CIS2 puts them, rather than only at userinfo.
  conformIdTokenClaims: false,
  pkce: { methods: ['S256'], required: () => true },
  ttl: {
    AuthorizationCode: Number(args['code-ttl']),
    IdToken: Number(args['id-token-ttl']),
    AccessToken: 600,
    Grant: 600,
    Interaction: 600,
    Session: 600,
  },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  features: { devInteractions: { enabled: true } },
});
provider.on('server_error', (ctx, error) => process.stderr.write(`oidc_provider: ${error.stack}\n`));
const callback = provider.callback();
server.on('request', (req, res) => {
  if (rotated.length > 0 && req.method === 'GET' && req.url === '/jwks') {
    res.setHeader('Content-Type', 'application/jwk-set+json');
    res.end(JSON.stringify({ keys: [...keys, ...rotated].map((k) => k.publicJwk) }));
    return;
  }
  callback(req, res);
});

// --- the staff member's browser: cookies by name and path, redirects followed by hand -----------------------

async function browse(authUrl) {
  const jar = new Map();
  const cookieHeader = (url) => [...jar.values()]
    .filter((c) => url.pathname.startsWith(c.path))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
  const keep = (response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const at = pair.indexOf('=');
      const cookie = { name: pair.slice(0, at), value: pair.slice(at + 1), path: '/' };
      let expired = false;
      for (const a of attributes) {
        const [k, v] = a.split('=');
        if (k.toLowerCase() === 'path') cookie.path = v;
        if (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now()) expired = true;
      }
      const key = `${cookie.name} ${cookie.path}`;
      if (expired) jar.delete(key);
      else jar.set(key, cookie);
    }
  };
  const request = async (url, form) => {
    const target = new URL(url, issuer);
    const response = await fetch(target, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: cookieHeader(target), ...(form && { 'content-type': 'application/x-www-form-urlencoded' }) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    keep(response);
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  };

  let reply = await request(authUrl);
  for (let step = 0; step < 12; step += 1) {
    if (reply.location) {
      const next = new URL(reply.location, issuer);
      if (next.origin !== issuer) return { location: next.href };
      reply = await request(next);
    } else if (reply.status === 200 && reply.body.includes('name="prompt" value="login"')) {
      reply = await request(submitUrl(reply.body), { prompt: 'login', login: ACCOUNT.sub, password: 'any' });
    } else if (reply.status === 200 && reply.body.includes('name="prompt" value="consent"')) {
      reply = await request(submitUrl(reply.body), { prompt: 'consent' });
    } else {
      return { error: `the provider answered ${reply.status} and no redirect: ${reply.body.slice(0, 500)}` };
    }
  }
  return { error: 'more than 12 steps without a redirect back to the client' };
}

function submitUrl(html) {
  const match = /<form[^>]*action="([^"]+)"/.exec(html);
  return match[1].replaceAll('&amp;', '&');
}

// --- ID tokens made to order, for the checks a well-behaved provider never trips ------------------------------

const b64url = (data) => Buffer.from(data).toString('base64url');

function sign(claims, keyName, alg) {
  const key = keyName === 'unpublished'
    ? signingKey('unpublished', 'rsa')
    : [...keys, ...rotated].find((k) => k.kid === keyName);
  if (!key) return { error: `no key ${keyName}` };
  const header = { alg: alg ?? key.alg, typ: 'JWT', kid: key.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  let signature;
  if (header.alg === 'none') signature = Buffer.alloc(0);
  else if (header.alg === 'HS256') signature = crypto.createHmac('sha256', args['client-secret']).update(input).digest();
  else if (header.alg === 'ES256') signature = crypto.sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  else signature = crypto.sign('sha256', Buffer.from(input), key.privateKey);
  return { token: `${input}.${b64url(signature)}` };
}

async function answer(line) {
  const request = JSON.parse(line);
  if (request.login) return browse(request.login);
  if (request.rotate) {
    const key = signingKey(`rsa-${keys.length + rotated.length + 1}`, 'rsa');
    rotated.push(key);
    return { kid: key.kid };
  }
  if (request.sign) return sign(request.sign, request.key ?? 'rsa-1', request.alg);
  return { error: 'unknown request' };
}

process.stdout.write(`${issuer}\n`);
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  let reply;
  try {
    reply = await answer(line);
  } catch (error) {
    reply = { error: String(error?.stack ?? error) };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
process.exit(0);
