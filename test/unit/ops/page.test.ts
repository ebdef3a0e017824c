// The technician page's pieces: what /ui/app.js serves parses, the HTML escapes what it inserts,
// the whole page stays small, and the cookie the login form sets is read back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PAGE_SCRIPT } from '../../../src/ops/page/page-script.js';
import { PAGE_STYLE } from '../../../src/ops/page/page-style.js';
import { escapeHtml, loginHtml, pageHtml } from '../../../src/ops/page/page-html.js';
import { cookieValue, HttpAccess, TOKEN_COOKIE } from '../../../src/ops/http-access.js';
import type http from 'node:http';

test('the script is one self-contained program (nothing from the module scope)', () => {
  assert.not.throws(() => new Function(PAGE_SCRIPT));
  assert.not.match(PAGE_SCRIPT, /\brequire\(|\bimport\b|\bexports\b/);
});

test('the page is small: HTML, script and style sheet together under 24 KiB', () => {
  const total = Buffer.byteLength(pageHtml('0016c001ff10a235')) + Buffer.byteLength(PAGE_SCRIPT) + Buffer.byteLength(PAGE_STYLE);
  console.log(`technician page: ${total} bytes (html ${Buffer.byteLength(pageHtml('0016c001ff10a235'))}, js ${Buffer.byteLength(PAGE_SCRIPT)}, css ${Buffer.byteLength(PAGE_STYLE)})`);
  assert.ok(total < 24 * 1024, `${total} bytes`);
  assert.not.match(pageHtml('x') + PAGE_STYLE, /https?:\/\/(?!www\.w3\.org)/, 'nothing from another origin');
  assert.not.match(PAGE_SCRIPT.replace('http://www.w3.org/2000/svg', ''), /https?:\/\//, 'nothing from another origin');
});

test('inserted text is escaped', () => {
  assert.is(escapeHtml(`<script>"&'`), '&lt;script&gt;&quot;&amp;&#39;');
  assert.match(pageHtml('<img src=x>'), /&lt;img src=x&gt;/);
  assert.match(loginHtml('<b>'), /&lt;b&gt;/);
});

test('the token cookie: parsed among others, URI-decoded, malformed ignored', () => {
  assert.is(cookieValue(`a=1; ${TOKEN_COOKIE}=abc%20d; b=2`, TOKEN_COOKIE), 'abc d');
  assert.is(cookieValue('a=1', TOKEN_COOKIE), undefined);
  assert.is(cookieValue(undefined, TOKEN_COOKIE), undefined);
  assert.is(cookieValue(`${TOKEN_COOKIE}=%E0%A4%A`, TOKEN_COOKIE), undefined);
});

test('access: the token as bearer header or cookie; the Host check applies first', () => {
  const access = new HttpAccess({ bindHost: '127.0.0.1', allowedHosts: [], token: 'the-token-0123456789' });
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as http.IncomingMessage;
  assert.equal(access.check(req({ host: '127.0.0.1:9110' })).ok, false);
  assert.equal(access.check(req({ host: '127.0.0.1:9110', cookie: `${TOKEN_COOKIE}=the-token-0123456789` })).ok, true);
  assert.equal(access.check(req({ host: '127.0.0.1:9110', cookie: `${TOKEN_COOKIE}=wrong` })).ok, false);
  assert.equal(access.check(req({ host: '127.0.0.1:9110', authorization: 'Bearer the-token-0123456789' })).ok, true);
  const rebinding = access.check(req({ host: 'evil.example:9110', cookie: `${TOKEN_COOKIE}=the-token-0123456789` }));
  assert.equal(rebinding.ok ? 0 : rebinding.status, 421);
});

test.run();
