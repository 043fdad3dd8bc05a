'use client';
/** The top bar's links, with the current page marked. */
import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/play', label: 'Play' },
  { href: '/edit', label: 'Edit' },
  { href: '/plugins', label: 'Plugins' },
] as const;

export function NavLinks() {
  const pathname = usePathname();
  return (
    <nav>
      {LINKS.map(({ href, label }) => {
        const current = pathname === href || pathname.startsWith(`${href}/`);
        return (
          <Link
            key={href}
            href={href}
            aria-current={current ? 'page' : undefined}
            className={current ? 'current' : undefined}
          >
            {label}
          </Link>
        );
      })}
    </nav>
  );
}
