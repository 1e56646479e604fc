import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { SessionService } from './session.service';

/** Pages need a user with a role: otherwise the sign-in screen (which also says "ask an
 *  admin for access" to an account without one), coming back here afterwards. */
export const accessGuard: CanActivateFn = async (_route, state) => {
  const session = inject(SessionService);
  await session.init();
  if (session.access() === 'allow') return true;
  return inject(Router).createUrlTree(['/sign-in'], { queryParams: { next: state.url } });
};
