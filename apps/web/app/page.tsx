import Link from 'next/link';

export default function Home() {
  return (
    <div className="landing">
      <section className="hero">
        <h1>
          Play music with your <em>hands</em>.
        </h1>
        <p className="lead">
          Bam Bam watches your webcam, tracks 21 points on each hand and turns movement into sound — in a few
          milliseconds. Drum in the air, then open the editor and write your own instrument in TypeScript
          while you play.
        </p>
        <div className="hero-actions">
          <Link className="button primary large" href="/play">
            ▶ Start playing
          </Link>
          <Link className="button large" href="/edit">
            Open the editor
          </Link>
        </div>
      </section>
      <section className="cards">
        <Link href="/play" className="card">
          <h2>Play</h2>
          <p>
            Your camera with the tracked hands drawn over it. Move a hand down: bam. Tweak the instrument’s
            knobs live.
          </p>
        </Link>
        <Link href="/edit" className="card">
          <h2>Edit</h2>
          <p>
            Live-code instruments in a full TypeScript editor with the SDK’s types. Save, and hear the change
            mid-beat.
          </p>
        </Link>
        <Link href="/plugins" className="card">
          <h2>Plugins</h2>
          <p>Browse instruments others published, audition their sounds, and load one into your session.</p>
        </Link>
      </section>
    </div>
  );
}
