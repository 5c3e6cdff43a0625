import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'react';

// Only the parts a bar chart needs, so the bundle stays small. Chart.js draws on a canvas and
// styles it through the CSSOM, which the UI's `style-src 'self'` policy allows.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export interface Bar {
  label: string;
  value: number;
}

/**
 * A bar chart with its numbers also in a table, for screen readers and for people who want the
 * exact values (the canvas alone says nothing to assistive technology).
 */
export function BarChart({
  title,
  bars,
  format,
}: {
  title: string;
  bars: readonly Bar[];
  format: (v: number) => string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const config: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: {
        labels: bars.map((b) => b.label),
        datasets: [{ label: title, data: bars.map((b) => b.value), backgroundColor: '#1f4e79' }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => format(Number(v)) } } },
        plugins: { tooltip: { callbacks: { label: (c) => format(Number(c.raw)) } } },
      },
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [bars, title, format]);
  return (
    <figure className="stack">
      <div className="chart">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`${title}: chart; the table below has the values`}
        />
      </div>
      <figcaption className="sr-only">{title}</figcaption>
      <details>
        <summary>Values</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col">{title}</th>
            </tr>
          </thead>
          <tbody>
            {bars.map((b) => (
              <tr key={b.label}>
                <td>{b.label}</td>
                <td>{format(b.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
