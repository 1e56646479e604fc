/** Which top-level section a router URL belongs to ('' for sign-in and the like). */
export function navSection(url: string): string {
  const first = url.split(/[?#]/)[0].split('/').filter(Boolean)[0] ?? '';
  if (first === '' || first === 'streams') return 'streams';
  return first === 'brands' || first === 'history' ? first : '';
}
