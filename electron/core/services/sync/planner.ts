/**
 * The planner: a pure function from (local state, links = bases, the remote's state, the admin's
 * resolutions) to a plan. State-based, not op-replay: it compares the three sides field by field
 * (diff3), so whatever happened in between, the plan is what it takes to converge.
 */
import { createHash } from 'node:crypto';
import {
  RESOURCE_ORDER,
  WORKSPACE_CHILDREN,
  WORKSPACE_DOCUMENTS,
  WRITE_ONLY_FIELDS,
  type RemoteResource,
  type ResourceType,
} from '../../../../shared/gateway-protocol/v1';
import type { PlanConflict, PlanField, PlanOp, SyncPlan } from '../../../../shared/contract/sync-schemas';
import { canonicalJson, diff3, flatten, same, unflatten, type Flat, type Json, type MergedPath } from './diff3';

/** A local resource in canonical form (see store/sync-local-repository). */
export interface PlannerLocal {
  type: ResourceType;
  id: string;
  parentId: string | null;
  data: Record<string, unknown>;
  pristine: boolean;
}

export interface PlannerLink {
  entityType: string;
  localId: string;
  remoteRef: string;
  base: Record<string, unknown>;
}

export interface PlannerResolution {
  entityType: string;
  localId: string;
  path: string;
  choice: 'keep-local' | 'take-remote';
  localJson: string;
  remoteJson: string;
}

export interface PlannerInput {
  runId: string;
  remoteId: string;
  remoteName: string;
  createdAt: string;
  changeSeqHigh: number;
  remoteRead: 'full' | 'changes';
  local: readonly PlannerLocal[];
  links: readonly PlannerLink[];
  remote: readonly RemoteResource[];
  resolutions: readonly PlannerResolution[];
  /** Model ids of the local catalog: a remote grant of another model is kept remotely, not pulled. */
  knownModels: ReadonlySet<string>;
}

/** What apply needs beyond the public plan; stored with it and covered by the same hash. */
export interface PlanOpDetail {
  ord: number;
  remoteRef: string;
  /** The remote's workspace id for workspace children. */
  remoteParentRef: string | null;
  /** The local workspace id for workspace children. */
  parentId: string | null;
  /** Data to send (local id space; write-only values are added at send time). Null for a delete. */
  send: Record<string, Json> | null;
  /** Write-only fields to read from the local store at send time. */
  writeOnly: string[];
  /** Remote map entries this laptop cannot represent (e.g. grants of models not in its catalog): sent back unchanged. */
  preserve: Record<string, Record<string, Json>>;
  /** Local write: data to upsert, null to delete locally, undefined for none. */
  pull?: Record<string, Json> | null;
  /** The new base (local ids) once a push is acknowledged; pulls re-read the local row instead. */
  base: Record<string, Json> | null;
  /** Hash of the local data the plan saw (null: absent), so a local edit made during apply is never overwritten. */
  localHash: string | null;
  /** Set when the body needs the provider secret, decrypted at send time (never stored). */
  secretFrom: string | null;
}

/** Bookkeeping a plan may do right away: both sides already agree (links to set) or both deleted (links to drop). */
export interface PlanBookkeeping {
  setLinks: PlannerLink[];
  dropLinks: { entityType: string; localId: string }[];
}

export interface PlannerOutput {
  plan: SyncPlan;
  details: PlanOpDetail[];
  bookkeeping: PlanBookkeeping;
}

const keyOf = (type: string, id: string) => `${type}:${id}`;

/**
 * A workspace role is one per (workspace, member): its entity id in links, cache and plans is
 * `<workspaceId>/<memberId>`; every other resource's entity id is its own id.
 */
export function entityIdOf(type: ResourceType, id: string, parentId: string | null): string {
  return type === 'workspace_member' ? `${parentId ?? ''}/${id}` : id;
}
/** The resource id (and workspace) inside an entity id. */
export function splitEntityId(type: ResourceType, entityId: string): { id: string; parentId: string | null } {
  if (type !== 'workspace_member') return { id: entityId, parentId: null };
  const slash = entityId.indexOf('/');
  return { parentId: entityId.slice(0, slash), id: entityId.slice(slash + 1) };
}
const memberOf = (entityId: string) => entityId.slice(entityId.indexOf('/') + 1);
/** Fields a gateway never returns (plus the local-only fingerprint of a provider secret). */
const writeOnlyOf = (type: ResourceType): readonly string[] => (type === 'provider_key' ? ['secret_fingerprint'] : WRITE_ONLY_FIELDS[type]);
const nameKey = (name: unknown) => String(name).normalize('NFKC').toLowerCase();

interface Entity {
  type: ResourceType;
  localId: string;
  remoteRef: string;
  parentId: string | null;
  remoteParentRef: string | null;
  local: PlannerLocal | undefined;
  remote: RemoteResource | undefined;
  /** Remote data translated into local ids, without entries this laptop cannot hold. */
  remoteData: Record<string, Json> | undefined;
  preserve: Record<string, Record<string, Json>>;
  base: Record<string, Json> | undefined;
}

interface Draft {
  entity: Entity;
  /** New base for a push (local ids, write-only values included). */
  base?: Record<string, Json>;
  kind: PlanOp['kind'];
  localAction: PlanOp['localAction'];
  fields: PlanField[];
  conflicts: Omit<PlanConflict, 'ord' | 'label' | 'key'>[];
  send: Record<string, Json> | null;
  writeOnly: string[];
  pull?: Record<string, Json> | null;
  warnings: { code: string; message: string }[];
  /** Chosen explicitly by the admin (a resolution), so cascades follow it. */
  resolved: boolean;
}

export function planSync(input: PlannerInput): PlannerOutput {
  const bookkeeping: PlanBookkeeping = { setLinks: [], dropLinks: [] };
  const planWarnings: { code: string; message: string }[] = [];

  // ---- Links (both directions), plus identity links this plan makes -------------------------
  const linkByLocal = new Map<string, PlannerLink>();
  const linkByRemote = new Map<string, PlannerLink>();
  const addLink = (link: PlannerLink) => {
    linkByLocal.set(keyOf(link.entityType, link.localId), link);
    linkByRemote.set(keyOf(link.entityType, link.remoteRef), link);
  };
  for (const link of input.links) addLink(link);

  const resolutions = new Map(input.resolutions.map((r) => [`${r.entityType}:${r.localId}:${r.path}`, r]));
  const resolutionFor = (type: string, localId: string, path: string, local: Json, remote: Json) => {
    const found = resolutions.get(`${type}:${localId}:${path}`);
    if (!found) return null;
    // A whole-resource conflict shows (and the resolution records) its data without write-only fields.
    const shown = (value: Json) =>
      path === '*' && value !== null && typeof value === 'object' ? visible(type as ResourceType, value as Record<string, Json>) : (value ?? null);
    return found.localJson === canonicalJson(shown(local)) && found.remoteJson === canonicalJson(shown(remote)) ? found.choice : null;
  };

  const localByKey = new Map(input.local.map((l) => [keyOf(l.type, entityIdOf(l.type, l.id, l.parentId)), l]));
  const remoteWorkspaces = input.remote.filter((r) => r.type === 'workspace');
  const localWorkspaces = input.local.filter((l) => l.type === 'workspace');

  // Both laptops' default workspace is one workspace: link them (a pristine local default takes the remote's values).
  const localDefault = localWorkspaces.find((l) => l.data['is_default'] === true);
  const remoteDefault = remoteWorkspaces.find((r) => (r.data as { is_default?: boolean }).is_default === true);
  if (localDefault && remoteDefault && !linkByLocal.has(keyOf('workspace', localDefault.id)) && !linkByRemote.has(keyOf('workspace', remoteDefault.id))) {
    addLink({ entityType: 'workspace', localId: localDefault.id, remoteRef: remoteDefault.id, base: localDefault.pristine ? localDefault.data : {} });
    if (localDefault.pristine) markDocumentsPristine(localDefault.id, remoteDefault.id);
  }

  // Members with the same email are one person: link them.
  const remoteMembers = input.remote.filter((r) => r.type === 'member');
  for (const member of input.local.filter((l) => l.type === 'member')) {
    if (linkByLocal.has(keyOf('member', member.id))) continue;
    const twin = remoteMembers.find(
      (r) => !linkByRemote.has(keyOf('member', r.id)) && r.id !== member.id && nameKey((r.data as { email: string }).email) === nameKey(member.data['email']),
    );
    if (twin && !localByKey.has(keyOf('member', twin.id))) addLink({ entityType: 'member', localId: member.id, remoteRef: twin.id, base: {} });
  }

  // Two workspaces created apart with one name: a conflict the admin resolves by linking them (keep mine / take theirs).
  const heldRemoteWorkspaces = new Set<string>();
  const heldLocalWorkspaces = new Map<string, RemoteResource>();
  for (const ws of localWorkspaces) {
    if (linkByLocal.has(keyOf('workspace', ws.id))) continue;
    const twin = remoteWorkspaces.find(
      (r) => !linkByRemote.has(keyOf('workspace', r.id)) && r.id !== ws.id && nameKey((r.data as { name: string }).name) === nameKey(ws.data['name']),
    );
    if (!twin || localByKey.has(keyOf('workspace', twin.id))) continue;
    const choice = resolutionFor('workspace', ws.id, '*', ws.id, twin.id);
    if (choice) {
      // keep-local: base = theirs, so every difference is "ours"; take-remote: base = ours.
      addLink({ entityType: 'workspace', localId: ws.id, remoteRef: twin.id, base: choice === 'keep-local' ? (twin.data as Record<string, Json>) : ws.data });
    } else {
      heldRemoteWorkspaces.add(twin.id);
      heldLocalWorkspaces.set(ws.id, twin);
    }
  }

  function markDocumentsPristine(localWs: string, remoteWs: string) {
    // The documents of a pristine default workspace were never edited either: take the remote's.
    for (const type of WORKSPACE_DOCUMENTS) {
      const doc = localByKey.get(keyOf(type, localWs));
      if (doc && !linkByLocal.has(keyOf(type, localWs))) addLink({ entityType: type, localId: localWs, remoteRef: remoteWs, base: doc.data });
    }
  }

  const toLocalId = (type: string, remoteRef: string) => linkByRemote.get(keyOf(type, remoteRef))?.localId ?? remoteRef;
  const toRemoteRef = (type: string, localId: string) => linkByLocal.get(keyOf(type, localId))?.remoteRef ?? localId;
  const localIdOfRemote = (r: RemoteResource): string => {
    const linked = linkByRemote.get(keyOf(r.type, entityIdOf(r.type, r.id, r.parent_id)));
    if (linked) return linked.localId;
    if (WORKSPACE_DOCUMENTS.includes(r.type)) return toLocalId('workspace', r.id);
    if (r.type === 'workspace_member') return `${toLocalId('workspace', r.parent_id ?? '')}/${toLocalId('member', r.id)}`;
    return r.id;
  };
  const remoteRefOfLocal = (l: { type: ResourceType; id: string }): string => {
    const linked = linkByLocal.get(keyOf(l.type, l.id));
    if (linked) return linked.remoteRef;
    if (WORKSPACE_DOCUMENTS.includes(l.type)) return toRemoteRef('workspace', l.id);
    if (l.type === 'workspace_member') {
      const { id, parentId } = splitEntityId(l.type, l.id);
      return `${toRemoteRef('workspace', parentId ?? '')}/${toRemoteRef('member', id)}`;
    }
    return l.id;
  };

  const localProviderKeys = new Set(input.local.filter((l) => l.type === 'provider_key').map((l) => l.id));
  const translate = (r: RemoteResource): { data: Record<string, Json>; preserve: Record<string, Record<string, Json>> } => {
    const data = { ...(r.data as Record<string, Json>) };
    const preserve: Record<string, Record<string, Json>> = {};
    if (r.type === 'workspace' && typeof data['owner_member_id'] === 'string') data['owner_member_id'] = toLocalId('member', data['owner_member_id']);
    if (r.type === 'model_grants') {
      const grants: Record<string, Json> = {};
      for (const [model, limits] of Object.entries(data['grants'] as Record<string, Json>)) {
        if (input.knownModels.has(model)) grants[model] = limits;
        else (preserve['grants'] ??= {})[model] = limits;
      }
      data['grants'] = grants;
    }
    if (r.type === 'provider_access') {
      const entries: Record<string, Json> = {};
      for (const [pk, mode] of Object.entries(data['entries'] as Record<string, Json>)) {
        if (localProviderKeys.has(pk) || linkByRemote.has(keyOf('provider_key', pk))) entries[toLocalId('provider_key', pk)] = mode;
        else (preserve['entries'] ??= {})[pk] = mode;
      }
      data['entries'] = entries;
    }
    return { data, preserve };
  };

  // ---- Entities: the union of local, remote and linked ---------------------------------------
  const entities = new Map<string, Entity>();
  const entity = (type: ResourceType, localId: string): Entity => {
    const k = keyOf(type, localId);
    let e = entities.get(k);
    if (!e) {
      const link = linkByLocal.get(k);
      e = {
        type,
        localId,
        remoteRef: link?.remoteRef ?? remoteRefOfLocal({ type, id: localId }),
        parentId: null,
        remoteParentRef: null,
        local: undefined,
        remote: undefined,
        remoteData: undefined,
        preserve: {},
        base: link?.base as Record<string, Json> | undefined,
      };
      entities.set(k, e);
    }
    return e;
  };
  let heldChanges = 0;
  for (const l of input.local) {
    if (l.type === 'workspace' && heldLocalWorkspaces.has(l.id)) continue;
    if (l.parentId && heldLocalWorkspaces.has(l.parentId)) {
      if (!linkByLocal.has(keyOf(l.type, entityIdOf(l.type, l.id, l.parentId)))) heldChanges += 1;
      continue;
    }
    const e = entity(l.type, entityIdOf(l.type, l.id, l.parentId));
    e.local = l;
    e.parentId = l.parentId;
    e.remoteParentRef = l.parentId ? toRemoteRef('workspace', l.parentId) : null;
  }
  for (const r of input.remote) {
    if ((r.type === 'workspace' && heldRemoteWorkspaces.has(r.id)) || (r.parent_id && heldRemoteWorkspaces.has(r.parent_id))) continue;
    const e = entity(r.type, localIdOfRemote(r));
    e.remote = r;
    e.remoteRef = entityIdOf(r.type, r.id, r.parent_id);
    e.remoteParentRef = r.parent_id;
    if (!e.local) e.parentId = r.parent_id ? toLocalId('workspace', r.parent_id) : null;
    const t = translate(r);
    e.remoteData = t.data;
    e.preserve = t.preserve;
  }
  for (const link of input.links) entity(link.entityType as ResourceType, link.localId);
  if (heldChanges > 0) planWarnings.push({ code: 'held-by-name-conflict', message: `${heldChanges} local changes inside a workspace with a name conflict wait until it is resolved` });
  for (const [model] of collectPreserved(entities, 'grants')) {
    planWarnings.push({ code: 'unknown-model', message: `The remote grants model ${model}, which this laptop's catalog does not have; it is left as it is there` });
  }

  // ---- Per entity: diff3 → a draft op --------------------------------------------------------
  const drafts: Draft[] = [];
  for (const e of [...entities.values()].sort(byOrder)) {
    const draft = planEntity(e);
    if (draft) drafts.push(draft);
  }

  /** `forced`: the admin's choice for a one-sided entity, taken from its workspace's resolution (see Cascades). */
  function planEntity(e: Entity, forced?: 'keep-local' | 'take-remote'): Draft | null {
    const { type } = e;
    const wo = writeOnlyOf(type);
    const L = e.local?.data as Record<string, Json> | undefined;
    const B = e.base;
    let R = e.remoteData;
    if (R) {
      // The remote never shows write-only values: take them as unchanged there.
      R = { ...R };
      for (const field of wo) {
        const known = B && field in B ? B[field] : L?.[field];
        if (known === undefined) delete R[field];
        else R[field] = known;
      }
    }
    const base = flatten(type, B);
    const draft = (kind: Draft['kind'], localAction: Draft['localAction'], fields: PlanField[]): Draft => ({
      entity: e,
      kind,
      localAction,
      fields,
      conflicts: [],
      send: null,
      writeOnly: [],
      warnings: [],
      resolved: false,
    });

    if (L && R) {
      const merged = diff3(base, flatten(type, L), flatten(type, R));
      let resolved = false;
      for (const m of merged) {
        if (m.source !== 'conflict') continue;
        const choice = resolutionFor(type, e.localId, m.path, m.local, m.remote);
        if (choice === 'keep-local') Object.assign(m, { result: m.local, source: 'local' });
        if (choice === 'take-remote') Object.assign(m, { result: m.remote, source: 'remote' });
        if (choice) resolved = true;
      }
      const changed = merged.filter((m) => m.source !== 'unchanged');
      const fields = changed.map((m) => field(m, wo));
      const conflicts = merged.filter((m) => m.source === 'conflict');
      if (conflicts.length > 0) {
        const d = draft('conflict', 'none', fields);
        d.conflicts = conflicts.map((m) => ({
          type,
          localId: e.localId,
          path: m.path,
          reason: 'field' as const,
          base: m.base ?? null,
          local: m.local ?? null,
          remote: m.remote ?? null,
          message: `${m.path} changed here and on the remote`,
        }));
        return d;
      }
      const result = unflattenResult(type, merged);
      const hasLocal = merged.some((m) => m.source === 'local');
      const hasRemote = merged.some((m) => m.source === 'remote');
      if (!hasLocal && !hasRemote) {
        const persisted = input.links.find((l) => l.entityType === type && l.localId === e.localId);
        if (!persisted || persisted.remoteRef !== e.remoteRef || !same(persisted.base, L)) {
          bookkeeping.setLinks.push({ entityType: type, localId: e.localId, remoteRef: e.remoteRef, base: L });
        }
        return null;
      }
      if (hasLocal) {
        const d = draft('update', hasRemote ? 'update' : 'none', fields);
        d.writeOnly = wo.filter((f) => !same(B?.[f], L[f]));
        d.send = withWriteOnly(type, stripLocalOnly(type, result), L, d.writeOnly);
        d.base = result;
        if (hasRemote) d.pull = result;
        d.resolved = resolved;
        return d;
      }
      const d = draft('pull', 'update', fields);
      d.pull = result;
      d.resolved = resolved;
      return d;
    }

    if (L && !R) {
      if (!B) {
        const d = draft('create', 'none', [...flatten(type, L)].map(([path, value]) => field({ path, base: undefined, local: value, remote: undefined, result: value, source: 'local' }, wo)));
        d.writeOnly = wo.filter((f) => L[f] !== null && L[f] !== undefined);
        d.send = withWriteOnly(type, stripLocalOnly(type, L), L, d.writeOnly);
        d.base = L;
        return d;
      }
      const choice = forced ?? resolutionFor(type, e.localId, '*', L, null);
      // The admin's choice first: "keep mine" must win even when this row itself is unchanged
      // (a workspace held back because of what changed inside it).
      if (choice === 'keep-local' && type === 'api_key' && (L['secret_sha256'] === null || L['secret_sha256'] === undefined)) {
        // A key this laptop pulled: its secret (and hash) never reached it, so no gateway can get
        // the key back from here (a create needs the hash). The remote's delete stands.
        const d = draft('pull', 'delete', []);
        d.pull = null;
        d.resolved = true;
        d.warnings.push({ code: 'secret-unknown', message: 'Its secret never reached this laptop (the key came from the remote), so it cannot be put back there; it is removed here too' });
        return d;
      }
      if (choice === 'keep-local') {
        const d = draft('create', 'none', [...flatten(type, L)].map(([path, value]) => field({ path, base: undefined, local: value, remote: undefined, result: value, source: 'local' }, wo)));
        d.writeOnly = wo.filter((f) => L[f] !== null && L[f] !== undefined);
        d.send = withWriteOnly(type, stripLocalOnly(type, L), L, d.writeOnly);
        d.base = L;
        d.resolved = true;
        return d;
      }
      if (same(canonicalFlat(type, L), canonicalFlat(type, B)) || choice === 'take-remote') {
        const d = draft('pull', 'delete', []);
        d.pull = null;
        d.resolved = choice === 'take-remote';
        return d;
      }
      const d = draft('conflict', 'none', changedFields(type, base, flatten(type, L), 'local', wo));
      d.conflicts = [{ type, localId: e.localId, path: '*', reason: 'deleted-remotely', base: visible(type, B), local: visible(type, L), remote: null, message: 'Deleted on the remote, changed here' }];
      return d;
    }

    if (!L && R) {
      if (type === 'provider_key' && !B) {
        planWarnings.push({
          code: 'provider-key-remote-only',
          message: `Provider key “${String(R['vendor'])} / ${String(R['label'])}” exists only on the remote; its secret is write-only, so it cannot be copied here`,
        });
        return null;
      }
      if (!B) {
        const d = draft('pull', 'create', [...flatten(type, R)].map(([path, value]) => field({ path, base: undefined, local: undefined, remote: value, result: value, source: 'remote' }, wo)));
        d.pull = R;
        if (type === 'api_key') d.warnings.push({ code: 'secret-elsewhere', message: 'Its secret stays on the laptop that created it; this copy cannot show or verify it' });
        return d;
      }
      const choice = forced ?? resolutionFor(type, e.localId, '*', null, R);
      // The admin's choice first: "take theirs" must win even when the remote row is unchanged
      // (a workspace held back because of what changed inside it).
      if (choice === 'take-remote') {
        const d = draft('pull', 'create', [...flatten(type, R)].map(([path, value]) => field({ path, base: undefined, local: undefined, remote: value, result: value, source: 'remote' }, wo)));
        d.pull = R;
        d.resolved = true;
        return d;
      }
      if (same(canonicalFlat(type, R), canonicalFlat(type, B)) || choice === 'keep-local') {
        const d = draft('delete', 'none', []);
        d.resolved = choice === 'keep-local';
        return d;
      }
      const d = draft('conflict', 'none', changedFields(type, base, flatten(type, R), 'remote', wo));
      d.conflicts = [{ type, localId: e.localId, path: '*', reason: 'deleted-locally', base: visible(type, B), local: null, remote: visible(type, R), message: 'Deleted here, changed on the remote' }];
      return d;
    }

    if (B) bookkeeping.dropLinks.push({ entityType: type, localId: e.localId });
    return null;
  }

  // Same-name workspaces: one conflict op each (no remote write, no local write until resolved).
  for (const [localId, twin] of heldLocalWorkspaces) {
    const l = localByKey.get(keyOf('workspace', localId))!;
    const e = entity('workspace', localId);
    e.local = l;
    e.remote = twin;
    e.remoteRef = twin.id;
    drafts.push({
      entity: e,
      kind: 'conflict',
      localAction: 'none',
      fields: [],
      conflicts: [
        {
          type: 'workspace',
          localId,
          path: '*',
          reason: 'same-name',
          base: null,
          local: localId,
          remote: twin.id,
          message: `A different workspace named “${String(l.data['name'])}” exists on the remote. Keep mine: make them one workspace with this laptop's settings; take theirs: one workspace with the remote's settings`,
        },
      ],
      send: null,
      writeOnly: [],
      warnings: [],
      resolved: false,
    });
  }

  // ---- Cascades: a workspace delete must not bury changes inside it --------------------------
  const byWorkspace = new Map<string, Draft[]>();
  for (const d of drafts) {
    const ws = d.entity.parentId;
    if (ws && WORKSPACE_CHILDREN.includes(d.entity.type)) (byWorkspace.get(ws) ?? byWorkspace.set(ws, []).get(ws)!).push(d);
  }
  const dropped = new Set<Draft>();
  for (const d of drafts) {
    if (d.entity.type !== 'workspace') continue;
    const children = byWorkspace.get(d.entity.localId) ?? [];
    if (d.kind === 'delete') {
      const others = children.filter((c) => c.kind !== 'delete');
      if (others.length > 0 && !d.resolved) {
        toConflict(d, 'deleted-locally', `Deleted here, but the remote changed or added ${others.length} thing(s) inside it since the last sync`);
        for (const c of others) if (c.kind === 'pull') dropped.add(c);
      } else {
        for (const c of others) dropped.add(c);
        const keys = children.filter((c) => c.entity.type === 'api_key').length;
        if (keys > 0) d.warnings.push({ code: 'cascade-deletes-keys', message: `Deleting it on the remote also deletes its ${keys} API key(s) there` });
      }
    }
    if (d.kind === 'pull' && d.localAction === 'delete') {
      const others = children.filter((c) => !(c.kind === 'pull' && c.localAction === 'delete'));
      if (others.length > 0 && !d.resolved) {
        toConflict(d, 'deleted-remotely', `Deleted on the remote, but ${others.length} thing(s) inside it changed here since the last sync`);
      } else {
        for (const c of others) dropped.add(c);
        const keys = children.filter((c) => c.entity.type === 'api_key').length;
        if (keys > 0) d.warnings.push({ code: 'cascade-deletes-keys', message: `Its ${keys} API key(s) are deleted here too` });
      }
    }
    // A workspace the admin brought back (keep mine after a remote delete, take theirs after a
    // local one) comes back whole: what was inside it is restored on the side that deleted it,
    // instead of being deleted on the other side too.
    if (d.resolved && d.entity.base && d.kind === 'pull' && d.localAction === 'create') restoreChildren(children, 'take-remote');
    if (d.resolved && d.entity.base && d.kind === 'create') restoreChildren(children, 'keep-local');
    // While a workspace deleted on one side waits for the admin, nothing inside it is deleted or
    // pulled on the other side: either choice must still be possible.
    if (d.kind === 'conflict' && d.conflicts.some((c) => c.path === '*' && (c.reason === 'deleted-locally' || c.reason === 'deleted-remotely'))) {
      for (const c of children) if (c.kind === 'delete' || c.kind === 'pull') dropped.add(c);
    }
  }
  function restoreChildren(children: Draft[], choice: 'keep-local' | 'take-remote') {
    for (const c of children) {
      const oneSided = !c.entity.local !== !c.entity.remote;
      const deletes = choice === 'take-remote' ? c.kind === 'delete' : c.kind === 'pull' && c.localAction === 'delete';
      if (!oneSided || !c.entity.base || !(deletes || c.kind === 'conflict')) continue;
      const redo = planEntity(c.entity, choice);
      // Replaced whole: a pull-delete's `pull: null` must not survive into the create.
      if (redo) Object.assign(c, { pull: undefined, base: undefined }, redo);
      else dropped.add(c);
    }
  }
  function toConflict(d: Draft, reason: 'deleted-locally' | 'deleted-remotely', message: string) {
    d.kind = 'conflict';
    d.localAction = 'none';
    d.send = null;
    d.pull = undefined;
    const raw = reason === 'deleted-locally' ? d.entity.remoteData : d.entity.local?.data;
    const data = raw ? visible('workspace', raw as Record<string, Json>) : null;
    d.conflicts = [
      {
        type: 'workspace',
        localId: d.entity.localId,
        path: '*',
        reason,
        base: d.entity.base ? visible('workspace', d.entity.base) : null,
        local: reason === 'deleted-locally' ? null : data,
        remote: reason === 'deleted-locally' ? data : null,
        message,
      },
    ];
  }

  // ---- Order, dependencies, labels -----------------------------------------------------------
  const kept = drafts.filter((d) => !dropped.has(d));
  const isDelete = (d: Draft) => d.kind === 'delete' || (d.kind === 'pull' && d.localAction === 'delete');
  const forward = kept.filter((d) => !isDelete(d)).sort((a, b) => byOrder(a.entity, b.entity));
  const backward = kept.filter(isDelete).sort((a, b) => byOrder(b.entity, a.entity));
  const ordered = [...forward, ...backward];
  const ordOf = new Map<Draft, number>(ordered.map((d, i) => [d, i + 1]));
  const draftByKey = new Map(ordered.map((d) => [keyOf(d.entity.type, d.entity.localId), d]));

  const names = labelSources(input.local, entities);
  const ops: PlanOp[] = [];
  const conflicts: PlanConflict[] = [];
  const details: PlanOpDetail[] = [];
  for (const d of ordered) {
    const e = d.entity;
    const ord = ordOf.get(d)!;
    const deps = new Set<number>();
    const dep = (type: string, id: string | null | undefined, when: (x: Draft) => boolean) => {
      if (!id) return;
      const x = draftByKey.get(keyOf(type, id));
      if (x && x !== d && when(x) && ordOf.get(x)! < ord) deps.add(ordOf.get(x)!);
    };
    const creates = (x: Draft) => x.kind === 'create' || x.kind === 'conflict' || (x.kind === 'pull' && x.localAction === 'create');
    if (isDelete(d)) {
      for (const x of ordered) {
        if (!isDelete(x) || ordOf.get(x)! >= ord) continue;
        if (e.type === 'workspace' && x.entity.parentId === e.localId && WORKSPACE_CHILDREN.includes(x.entity.type)) deps.add(ordOf.get(x)!);
        if (e.type === 'member' && x.entity.type === 'workspace_member' && memberOf(x.entity.localId) === e.localId) deps.add(ordOf.get(x)!);
      }
    } else {
      if (WORKSPACE_CHILDREN.includes(e.type)) dep('workspace', e.parentId, creates);
      if (e.type === 'workspace_member') dep('member', memberOf(e.localId), creates);
      const data = (d.send ?? d.pull ?? undefined) as Record<string, Json> | undefined;
      if (e.type === 'workspace' && data) dep('member', data['owner_member_id'] as string | null, creates);
      if (e.type === 'provider_access' && data) for (const pk of Object.keys((data['entries'] as Record<string, Json>) ?? {})) dep('provider_key', pk, creates);
    }
    const wsName = e.parentId ? names.workspace(e.parentId) : e.type === 'workspace' ? names.workspace(e.localId) : null;
    const label = labelFor(e, names);
    ops.push({
      ord,
      kind: d.kind,
      localAction: d.localAction,
      type: e.type,
      localId: e.localId,
      remoteId: e.remoteRef,
      workspaceId: e.parentId ?? (e.type === 'workspace' ? e.localId : null),
      workspaceName: wsName,
      label,
      fields: d.fields,
      expectEtag: d.kind === 'create' ? null : e.remote?.etag ?? null,
      dependsOn: [...deps].sort((a, b) => a - b),
      warnings: d.warnings,
    });
    for (const c of d.conflicts) conflicts.push({ ...c, key: `${c.type}:${c.localId}:${c.path}`, ord, label, base: c.base ?? null, local: c.local ?? null, remote: c.remote ?? null });
    details.push({
      ord,
      remoteRef: e.remoteRef,
      remoteParentRef: e.remoteParentRef ?? (e.parentId ? toRemoteRef('workspace', e.parentId) : null),
      parentId: e.parentId,
      send: d.send ? withPreserved(toRemoteIds(e.type, d.send), e.preserve) : null,
      writeOnly: d.writeOnly,
      preserve: e.preserve,
      ...(d.pull !== undefined ? { pull: d.pull } : {}),
      base: d.base ?? null,
      localHash: e.local ? hashData(e.local.data) : null,
      secretFrom: e.type === 'provider_key' && d.writeOnly.includes('secret_fingerprint') && d.send ? e.localId : null,
    });
  }

  function toRemoteIds(type: ResourceType, data: Record<string, Json>): Record<string, Json> {
    const out = { ...data };
    if (type === 'workspace' && typeof out['owner_member_id'] === 'string') out['owner_member_id'] = toRemoteRef('member', out['owner_member_id']);
    if (type === 'provider_access') {
      out['entries'] = Object.fromEntries(Object.entries(out['entries'] as Record<string, Json>).map(([pk, mode]) => [toRemoteRef('provider_key', pk), mode]));
    }
    return out;
  }

  const summary = { create: 0, update: 0, delete: 0, pull: 0, conflict: 0 };
  for (const op of ops) summary[op.kind] += 1;
  const unsigned = {
    runId: input.runId,
    remoteId: input.remoteId,
    remoteName: input.remoteName,
    createdAt: input.createdAt,
    changeSeqHigh: input.changeSeqHigh,
    remoteRead: input.remoteRead,
    ops,
    conflicts,
    warnings: planWarnings,
    summary,
  };
  const planHash = hashPlan(unsigned, details);
  return { plan: { ...unsigned, planHash }, details, bookkeeping };
}

/** SHA-256 over the canonical JSON of the plan and its details: what the admin approves. */
export function hashPlan(plan: Omit<SyncPlan, 'planHash'>, details: readonly PlanOpDetail[]): string {
  return createHash('sha256').update(canonicalJson({ plan, details })).digest('hex');
}

function byOrder(a: { type: ResourceType; parentId: string | null; localId: string }, b: { type: ResourceType; parentId: string | null; localId: string }): number {
  return RESOURCE_ORDER[a.type] - RESOURCE_ORDER[b.type] || (a.parentId ?? '').localeCompare(b.parentId ?? '') || a.localId.localeCompare(b.localId);
}

function field(m: MergedPath, writeOnly: readonly string[]): PlanField {
  const hidden = writeOnly.includes(m.path) || (m.path === 'secret_fingerprint');
  const show = (v: Json) => (hidden ? null : v ?? null);
  return {
    path: m.path === 'secret_fingerprint' ? 'secret' : m.path,
    base: show(m.base),
    local: show(m.local),
    remote: show(m.remote),
    result: show(m.result),
    source: m.source === 'unchanged' ? 'both' : m.source,
    writeOnly: hidden,
  };
}

function changedFields(type: ResourceType, base: Flat, side: Flat, source: 'local' | 'remote', writeOnly: readonly string[]): PlanField[] {
  const paths = [...new Set([...base.keys(), ...side.keys()])].sort();
  return paths
    .filter((p) => !same(base.get(p), side.get(p)))
    .map((path) =>
      field(
        { path, base: base.get(path), local: source === 'local' ? side.get(path) : undefined, remote: source === 'remote' ? side.get(path) : undefined, result: side.get(path), source: 'conflict' },
        writeOnly,
      ),
    );
}

const canonicalFlat = (type: ResourceType, data: Record<string, Json>) => Object.fromEntries(flatten(type, data));

function unflattenResult(type: ResourceType, merged: MergedPath[]): Record<string, Json> {
  const flat: Flat = new Map();
  for (const m of merged) if (m.result !== undefined) flat.set(m.path, m.result);
  return unflatten(type, flat);
}

/** Data as a plan may show it: write-only values (key hashes, the secret fingerprint) left out. */
function visible(type: ResourceType, data: Record<string, Json>): Record<string, Json> {
  const out = { ...data };
  for (const f of writeOnlyOf(type)) delete out[f];
  return out;
}

/** Canonical hash of a resource's data (what "unchanged since the plan" compares). */
export function hashData(data: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(data)).digest('hex');
}

/** API key hashes travel (they are how the gateway verifies keys); the provider secret is added at send time. */
function withWriteOnly(type: ResourceType, data: Record<string, Json>, local: Record<string, Json>, fields: readonly string[]): Record<string, Json> {
  if (type !== 'api_key') return data;
  const out = { ...data };
  for (const f of fields) if (local[f] !== undefined) out[f] = local[f];
  return out;
}

function withPreserved(data: Record<string, Json>, preserve: Record<string, Record<string, Json>>): Record<string, Json> {
  const out = { ...data };
  for (const [map, entries] of Object.entries(preserve)) out[map] = { ...entries, ...((out[map] as Record<string, Json> | undefined) ?? {}) };
  return out;
}

/** The provider secret's fingerprint is this laptop's own; it never travels. */
function stripLocalOnly(type: ResourceType, data: Record<string, Json>): Record<string, Json> {
  const out = { ...data };
  if (type === 'provider_key') delete out['secret_fingerprint'];
  for (const f of WRITE_ONLY_FIELDS[type]) delete out[f];
  return out;
}

function collectPreserved(entities: Map<string, Entity>, map: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const e of entities.values()) for (const k of Object.keys(e.preserve[map] ?? {})) found.set(k, (found.get(k) ?? 0) + 1);
  return found;
}

interface Names {
  workspace(id: string): string | null;
  member(id: string): string | null;
}

function labelSources(local: readonly PlannerLocal[], entities: Map<string, Entity>): Names {
  const ws = new Map<string, string>();
  const mem = new Map<string, string>();
  for (const e of entities.values()) {
    const data = (e.local?.data ?? e.remoteData) as Record<string, Json> | undefined;
    if (!data) continue;
    if (e.type === 'workspace') ws.set(e.localId, String(data['name']));
    if (e.type === 'member') mem.set(e.localId, String(data['email']));
  }
  for (const l of local) {
    if (l.type === 'workspace' && !ws.has(l.id)) ws.set(l.id, String(l.data['name']));
    if (l.type === 'member' && !mem.has(l.id)) mem.set(l.id, String(l.data['email']));
  }
  return { workspace: (id) => ws.get(id) ?? null, member: (id) => mem.get(id) ?? null };
}

function labelFor(e: Entity, names: Names): string {
  const data = (e.local?.data ?? e.remoteData ?? e.base ?? {}) as Record<string, Json>;
  const ws = e.parentId ? `“${names.workspace(e.parentId) ?? e.parentId}”` : '';
  switch (e.type) {
    case 'workspace':
      return `workspace “${String(data['name'] ?? names.workspace(e.localId) ?? e.localId)}”`;
    case 'api_key':
      return `API key “${String(data['name'] ?? e.localId)}” in ${ws}`;
    case 'member':
      return `member ${String(data['email'] ?? names.member(e.localId) ?? e.localId)}`;
    case 'workspace_member':
      return `role of ${names.member(memberOf(e.localId)) ?? memberOf(e.localId)} in ${ws}`;
    case 'model_grants':
      return `model access of ${ws}`;
    case 'budget':
      return `budget of ${ws}`;
    case 'provider_key':
      return `provider key “${String(data['vendor'] ?? '')} / ${String(data['label'] ?? e.localId)}”`;
    case 'provider_access':
      return `provider access of ${ws}`;
    case 'routing':
      return `model routes of ${ws}`;
    case 'guardrails':
      return `guardrails of ${ws}`;
  }
}

