/**
 * Providers and operatories (L5517, L5671): unfiltered reference lists (ReferenceDataPagination
 * 100/2000) and retrieve; plus the admin MCP surface: tool catalog (L7380), per-practice gates
 * list (L7660), upsert (L7502) and delete (L7527), internal staff only.
 */
import { badRequest, notFound } from '../http/errors.js';
import { bodyObject, paginate } from '../http/helpers.js';
import type { Router } from '../http/types.js';
import type { PracticeData, PracticeToolGate } from '../model.js';
import { serializeCatalogEntry, serializeGate, serializeOperatory, serializeProvider } from '../serialize.js';
import type { SandboxStore } from '../store.js';

const P = '/api/v1/practice/{practice_uid}';
const READ = { practiceScoped: true, practiceStaffOnly: true };

export function registerReferenceRoutes(router: Router, store: SandboxStore): void {
  router.get(`${P}/provider/`, READ, (req) => {
    const data = req.practiceData as PracticeData;
    const rows = [...data.providers].sort((a, b) => a.pk - b.pk);
    return paginate(req, rows, { defaultPageSize: 100, maxPageSize: 2000, serialize: serializeProvider });
  });

  router.get(`${P}/provider/{provider_uid}/`, READ, (req) => {
    const data = req.practiceData as PracticeData;
    const p = store.index(data.practice.id).providerById.get(req.params.provider_uid as string);
    if (!p) throw notFound();
    return { status: 200, body: serializeProvider(p) };
  });

  router.get(`${P}/provider/operatory/`, READ, (req) => {
    const data = req.practiceData as PracticeData;
    const index = store.index(data.practice.id);
    // operatoryRoster (ASSUMPTIONS.md §6): the whole roster, only the web-scheduling chairs, or none.
    const rows = [...data.operatories]
      .filter(
        (o) =>
          req.quirks.operatoryRoster === 'complete' || (req.quirks.operatoryRoster === 'web-sched' && o.isWebSched),
      )
      .sort((a, b) => a.sortOrder - b.sortOrder || a.pk - b.pk);
    return paginate(req, rows, {
      defaultPageSize: 100,
      maxPageSize: 2000,
      serialize: (o) => serializeOperatory(index, o),
    });
  });

  router.get(`${P}/provider/operatory/{operatory_uid}/`, READ, (req) => {
    const data = req.practiceData as PracticeData;
    const index = store.index(data.practice.id);
    const o = index.operatoryById.get(req.params.operatory_uid as string);
    if (!o) throw notFound();
    return { status: 200, body: serializeOperatory(index, o) };
  });

  // ---- admin MCP surface (is_staff only, C-T19)
  const ADMIN = { internalStaffOnly: true };
  router.get('/api/v1/admin/mcp/catalog/', ADMIN, () => ({
    status: 200,
    body: store.catalog.map(serializeCatalogEntry),
  }));

  const gatesOf = (data: PracticeData) =>
    [...data.gates].sort((a, b) => (a.toolKey < b.toolKey ? -1 : a.toolKey > b.toolKey ? 1 : 0));

  router.get('/api/v1/admin/practice/{practice_id}/mcp-gates/', ADMIN, (req) => {
    const data = store.practiceData(req.params.practice_id as string);
    if (!data) throw notFound();
    return { status: 200, body: gatesOf(data).map(serializeGate) };
  });

  router.put('/api/v1/admin/practice/{practice_id}/mcp-gates/{tool_key}/', { ...ADMIN, write: true }, (req) => {
    const id = req.params.practice_id as string;
    if (!store.practiceData(id)) throw notFound();
    const body = bodyObject(req);
    if (typeof body.enabled !== 'boolean') {
      throw badRequest({ enabled: ['enabled' in body ? 'Must be a valid boolean.' : 'This field is required.'] });
    }
    if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > 4096)) {
      throw badRequest({ note: ['Ensure this field has no more than 4096 characters.'] });
    }
    const data = store.mutablePracticeData(id) as PracticeData;
    const key = req.params.tool_key as string;
    const email = req.credential?.user.email ?? '';
    const now = Math.floor(req.nowMs / 1000) * 1000;
    let gate = data.gates.find((g) => g.toolKey === key);
    const created = !gate;
    if (!gate) {
      gate = {
        id: store.newId(),
        pk: store.nextPk(),
        createdMs: now,
        modifiedMs: now,
        practiceId: id,
        toolKey: key,
        enabled: body.enabled,
        note: typeof body.note === 'string' ? body.note : '',
        createdByEmail: email,
        modifiedByEmail: email,
      } satisfies PracticeToolGate;
      data.gates.push(gate);
    } else {
      gate.enabled = body.enabled;
      if (typeof body.note === 'string') gate.note = body.note;
      gate.modifiedMs = now;
      gate.modifiedByEmail = email;
    }
    store.count('mcp_gate_changed');
    return { status: created ? 201 : 200, body: serializeGate(gate) };
  });

  router.delete('/api/v1/admin/practice/{practice_id}/mcp-gates/{tool_key}/', { ...ADMIN, write: true }, (req) => {
    const id = req.params.practice_id as string;
    if (!store.practiceData(id)) throw notFound();
    const data = store.mutablePracticeData(id) as PracticeData;
    const i = data.gates.findIndex((g) => g.toolKey === req.params.tool_key);
    // "Idempotent" yet 404 for a missing gate (C-T25).
    if (i < 0) throw notFound();
    data.gates.splice(i, 1);
    store.count('mcp_gate_changed');
    return { status: 204 };
  });
}
