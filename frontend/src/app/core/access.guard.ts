import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { SessionService } from './session.service';

/** Pages need a user with a role: otherwise the sign-in screen (which also says "ask an
 *  admin for access" to an account without one), coming back here afterwards. */
export const accessGuard: CanActivateFn = async (_route, state) => {
  const session = inject(SessionService);
  const router = inject(Router); // inject() only before the first await
  await session.init();
  if (session.access() === 'allow') return true;
  return router.createUrlTree(['/sign-in'], { queryParams: { next: state.url } });
};
