/**
 * URLs as messages print them: a kubeconfig's `server` may carry `user:password@`, which no log,
 * error or CLI output may show.
 */

/**
 * `url` without its userinfo (`https://admin:secret@host` → `https://host`); text that does not
 * parse as a URL has anything before an `@` in its authority cut all the same.
 */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  }
}
