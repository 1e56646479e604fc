import { Component, inject } from '@angular/core';
import { SessionService } from '../core/session.service';

/** `#/brands` (lazy): the brand library — placeholder until the brands page lands here
 *  (list with reference logos, add/rename/delete, logo upload with the check's verdict,
 *  catalogue, per-brand totals). Admin-only actions check `SessionService.canControl()`. */
@Component({
  selector: 'ma-brands-page',
  template: `
    <h1>Brands</h1>
    <div class="ma-card" data-testid="brands-placeholder">
      <p>The brands you monitor, with their reference logos, will be managed here.</p>
      <p class="muted">Until then, brands and logos are managed with the control API (<code>/v1/brands</code>).
        {{ session.canControl() ? '' : 'Only admins can change them.' }}</p>
    </div>
  `,
})
export class BrandsPageComponent {
  protected readonly session = inject(SessionService);
}
