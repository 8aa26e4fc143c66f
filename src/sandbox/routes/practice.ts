/**
 * Practice root: list (admin, L10318), retrieve (L6394), available (L17894), mine (L17930),
 * accessible (invented path, L9833).
 */
import { notFound } from '../http/errors.js';
import { paginate } from '../http/helpers.js';
import type { Credential, Router } from '../http/types.js';
import type { PracticeData, Uuid } from '../model.js';
import { serializePractice } from '../serialize.js';
import type { SandboxStore } from '../store.js';

/** The clients a user belongs to: client memberships first, then the clients of their practices. */
function clientsOf(store: SandboxStore, credential: Credential): Uuid[] {
  const ids: Uuid[] = [];
  for (const cm of credential.user.clientMemberships)
    if (cm.isActive && !ids.includes(cm.clientId)) ids.push(cm.clientId);
  for (const m of credential.user.memberships) {
    const clientId = store.practiceData(m.practiceId)?.practice.clientId;
    if (m.isActive && clientId && !ids.includes(clientId)) ids.push(clientId);
  }
  return ids;
}

function byPk(a: PracticeData, b: PracticeData): number {
  return a.practice.pk - b.practice.pk;
}

export function registerPracticeRoutes(router: Router, store: SandboxStore): void {
  router.get('/api/v1/practice/', { internalStaffOnly: true }, (req) => {
    const all = [...store.practices.values()].sort(byPk);
    return paginate(req, all, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (d) => serializePractice(store, d),
    });
  });

  router.get('/api/v1/practice/available/', { practiceStaffOnly: true }, (req) => {
    const credential = req.credential as Credential;
    const clients = clientsOf(store, credential);
    const rows = clients
      .flatMap((c) => store.practicesOfClient(c))
      .filter((d) => store.isPracticeActive(d))
      .sort(byPk);
    return { status: 200, body: rows.map((d) => serializePractice(store, d)) };
  });

  router.get('/api/v1/practice/mine/', { practiceStaffOnly: true }, (req) => {
    const credential = req.credential as Credential;
    const clientId = clientsOf(store, credential)[0];
    const first = clientId ? store.practicesOfClient(clientId).sort(byPk)[0] : undefined;
    if (!first) throw notFound();
    return { status: 200, body: serializePractice(store, first) };
  });

  router.get('/api/v1/practice/accessible/', { scopes: ['reports:read'], specScope: true }, (req) => {
    // The path is invented (ASSUMPTIONS §1): `accessibleList=absent` serves no such path.
    if (store.quirks.accessibleList === 'absent') throw notFound();
    const credential = req.credential as Credential;
    const ids = store.accessiblePracticeIds(credential);
    const withDisabled = store.quirks.accessibleList === 'with-disabled';
    const rows = [...ids]
      .map((id) => store.practiceData(id))
      .filter((d): d is PracticeData => d !== undefined && (withDisabled || store.isPracticeActive(d)))
      .sort(byPk);
    return { status: 200, body: rows.map((d) => serializePractice(store, d)) };
  });

  router.get('/api/v1/practice/{practice_uid}/', { practiceScoped: true, practiceStaffOnly: true }, (req) => {
    return { status: 200, body: serializePractice(store, req.practiceData as PracticeData) };
  });
}
