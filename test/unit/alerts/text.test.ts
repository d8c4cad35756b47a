import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { codeBlock, escapeMrkdwn, joinLinesWithin, mrkdwnLink, safeMrkdwnCut, truncateMrkdwn, truncatePlain } from '#shared/alerts/text.ts';

/** True when no `<…>` link, `&…;` entity or surrogate pair is left open in `text`. */
function wellFormed(text: string): boolean {
  const open = text.lastIndexOf('<');
  if (open !== -1 && text.indexOf('>', open) === -1) return false;
  if (/&(a|am|amp|l|lt|g|gt)?$/.test(text)) return false;
  const last = text.charCodeAt(text.length - 1);
  return !(last >= 0xd800 && last <= 0xdbff);
}

describe('mrkdwn escaping', () => {
  it('escapes &, < and >', () => {
    // Act and assess
    assert.equal(escapeMrkdwn('a < b && c > d'), 'a &lt; b &amp;&amp; c &gt; d');
  });

  it('a link label cannot close or split the link', () => {
    // Act and assess
    assert.equal(mrkdwnLink('https://x.example/a b|c', 'main|x>y'), '<https://x.example/a%20b%7Cc|main¦x&gt;y>');
  });
});

describe('safe truncation', () => {
  it('never splits an emoji', () => {
    // Prepare
    const text = 'ab' + '😀'.repeat(10);

    // Act
    const cut = truncatePlain(text, 6);

    // Assess
    assert.ok(cut.length <= 6);
    assert.equal(cut, 'ab😀…');
  });

  it('never cuts inside a link', () => {
    // Prepare
    const text = `see ${mrkdwnLink('https://github.com/o/r/commit/abc', 'main@abc')} for details`;

    // Act
    const cut = truncateMrkdwn(text, 20);

    // Assess
    assert.equal(cut, 'see …');
  });

  it('never cuts inside an entity', () => {
    // Act and assess
    assert.equal(truncateMrkdwn('aaaaa &amp; bbbbbbb', 9), 'aaaaa …');
  });

  it('leaves short texts alone', () => {
    // Act and assess
    assert.equal(truncateMrkdwn('short', 10), 'short');
  });

  it('holds for any mix of links, entities and emoji (property)', () => {
    // Prepare
    const piece = fc.oneof(
      fc.string({ maxLength: 8 }).map(escapeMrkdwn),
      fc.constantFrom('😀', '🧱', 'é', '&amp;', '&lt;'),
      fc.tuple(fc.webUrl(), fc.string({ maxLength: 10 })).map(([url, label]) => mrkdwnLink(url, label)),
    );

    // Act and assess: cut each generated text and check the cut
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.integer({ min: 1, max: 200 }), (pieces, max) => {
        const text = pieces.join('');
        const cut = truncateMrkdwn(text, max);
        assert.ok(cut.length <= Math.max(max, 1), `${cut.length} > ${max}`);
        assert.ok(wellFormed(text.slice(0, safeMrkdwnCut(text, max))));
      }),
    );
  });

  it('a code block stays closed and within its limit', () => {
    // Prepare
    const block = codeBlock('x'.repeat(5000) + '```', 3000);

    // Act and assess
    assert.ok(block.length <= 3000);
    assert.ok(block.startsWith('```\n') && block.endsWith('\n```'));
    assert.equal(block.slice(3, -3).includes('```'), false);
  });
});

describe('lists with "… and N more"', () => {
  it('lists everything when it fits', () => {
    // Act and assess
    assert.equal(joinLinesWithin(['a', 'b'], 100), 'a\nb');
  });

  it('counts the lines left out, including those never given', () => {
    // Act and assess
    assert.equal(joinLinesWithin(['a', 'b'], 100, 7), 'a\nb\n… and 5 more');
  });

  it('stops before the limit and says how many more there are', () => {
    // Prepare
    const lines = Array.from({ length: 100 }, (_, i) => `• line number ${i}`);

    // Act
    const text = joinLinesWithin(lines, 200, 250);

    // Assess
    assert.ok(text.length <= 200);
    const shown = text.split('\n').length - 1;
    assert.match(text, new RegExp(`… and ${250 - shown} more$`));
  });
});
