import Link, { type LinkProps } from '@cloudscape-design/components/link';
import { useNavigate } from 'react-router-dom';

/** A Cloudscape link that moves within the console without reloading it (as app.tsx's links do). */
export function RouterLink({ href, ...props }: LinkProps & { readonly href: string }) {
  const navigate = useNavigate();
  return (
    <Link
      {...props}
      href={href}
      onFollow={(event) => {
        event.preventDefault();
        navigate(href);
      }}
    />
  );
}
