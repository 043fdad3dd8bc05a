import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { NavLinks } from '../components/NavLinks.tsx';
import './globals.css';

export const metadata: Metadata = {
  title: 'Bam Bam Studio',
  description: 'Play music with your hands in front of a webcam, and write your own instruments as code.',
};

export const viewport: Viewport = { themeColor: '#0d0f14', colorScheme: 'dark' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href="/" className="brand">
            <span className="brand-mark" aria-hidden>
              ●
            </span>
            Bam Bam
          </Link>
          <NavLinks />
        </header>
        <main className="content">{children}</main>
      </body>
    </html>
  );
}
