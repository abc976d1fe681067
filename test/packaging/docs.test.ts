import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((file) => `docs/${file}`)];
const text = (page: string) => readFileSync(join(ROOT, page), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replaceAll(' ', '-');

/** A page's headings (outside code fences) as anchors. */
function anchors(page: string): Set<string> {
  const found = new Set<string>();
  let fenced = false;
  for (const line of text(page).split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.*)$/.exec(line);
    if (heading) found.add(slug(heading[1]));
  }
  return found;
}

/** Relative links of a page (not http, not mailto), as [target page, anchor]. */
function links(page: string): Array<{ link: string; target: string; anchor?: string }> {
  return [...text(page).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1])
    .filter((link) => !/^[a-z]+:/.test(link))
    .map((link) => {
      const [path, anchor] = link.split('#');
      return { link, target: path === '' ? page : relative(ROOT, join(ROOT, dirname(page), path)), anchor };
    });
}

describe('the README and docs/ (a newcomer reads the README in five minutes; the rest is one link away)', () => {
  it('the README is at most 15 KB', () => {
    expect(Buffer.byteLength(text('README.md'))).toBeLessThanOrEqual(15 * 1024);
  });

  it('every relative link points at a file that exists, and at a heading that exists there', () => {
    const broken = PAGES.flatMap((page) =>
      links(page)
        .filter(({ target, anchor }) => !existsSync(join(ROOT, target)) || (anchor !== undefined && target.endsWith('.md') && !anchors(target).has(anchor)))
        .map(({ link }) => `${page}: ${link}`),
    );
    expect(broken).toEqual([]);
  });

  it('the README links every page of docs/, and every page links back to the README', () => {
    const fromReadme = new Set(links('README.md').map(({ target }) => target));
    for (const page of PAGES.slice(1)) {
      expect(fromReadme.has(page)).toBe(true);
      expect(links(page).some(({ target }) => target === 'README.md')).toBe(true);
    }
  });
});
