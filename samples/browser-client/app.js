// The RtcStack web app: lobby, call view, invitations, chat, files and call quality, on top of rtcstack.js.
// Query parameters: token (use this token instead of asking the dev server), name, id (peer id), room,
// autojoin=1 (join `room` at once), media=0 (no camera/microphone), policy=relay (TURN only).
import { RtcStackClient, ERROR_TEXT } from './rtcstack.js';
import { QualityPanel } from './quality.js';
import { VideoGrid, renderChat, renderTransfer, toast, initials } from './panels.js';
import { createTestHook } from './testhook.js';

const q = new URLSearchParams(location.search);
const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

/** @type {RtcStackClient|null} */ let client = null;
let clientName = '';
/** @type {MediaStream|null} */ let localStream = null;
/** @type {MediaStreamTrack|null} */ let screenTrack = null;
let micOn = true, camOn = true;
/** @type {{callId: string, peer: string, room: string, direction: 'in'|'out', state: string}|null} */ let call = null;
const grid = new VideoGrid();
const quality = new QualityPanel($('quality'));
const T = createTestHook();
window.rtcstackTest = T;

// ---------- status and errors ----------

const STATE_TEXT = { idle: 'Offline', connecting: 'Connecting…', connected: 'Online', reconnecting: 'Reconnecting…', failed: 'Disconnected', closed: 'Offline' };

function setStatus(/** @type {string} */ state) {
  T.state = state;
  $('status-pill').dataset.state = state;
  $('status-text').textContent = STATE_TEXT[state] || state;
  if (state === 'reconnecting') banner('Connection to the server lost. Reconnecting… your call continues meanwhile.', 'warn');
  else if (state === 'connected' && $('banner').dataset.kind === 'warn') banner('');
}

function banner(/** @type {string} */ text, kind = 'info') {
  const b = $('banner');
  b.textContent = text;
  b.hidden = !text;
  b.dataset.kind = kind;
  b.className = `banner ${kind === 'bad' ? 'bad' : kind === 'info' ? 'info' : ''}`;
}

function showError(/** @type {any} */ e) {
  const text = e.text || ERROR_TEXT[e.code] || e.message || String(e);
  T.errors.push({ code: e.code || 'error', text });
  T.error = { code: e.code || 'error', text };
  const box = $('lobby-error');
  box.textContent = text;
  box.hidden = false;
  if (!$('call').hidden) banner(text, 'bad');
}

// ---------- identity, token, connection ----------

function peerIdFor(/** @type {string} */ name) {
  return q.get('id') || name.trim().toLowerCase().replace(/[^a-z0-9_.@:-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || `guest-${Math.random().toString(36).slice(2, 8)}`;
}

async function fetchToken(/** @type {string} */ sub) {
  if (q.get('token')) return q.get('token');
  let r;
  try { r = await fetch(`/api/dev-token?sub=${encodeURIComponent(sub)}&room=*`); } catch { throw { code: 'unreachable', text: ERROR_TEXT.unreachable }; }
  if (r.status === 404 || r.status === 403) throw { code: 'no-token', text: 'This server needs an invitation link with a token (…?token=…). Ask the person who invited you.' };
  if (!r.ok) throw { code: 'no-token', text: `The server could not issue a token (HTTP ${r.status}).` };
  return (await r.json()).token;
}

/** @type {Promise<RtcStackClient>|null} */ let onlinePending = null;
let onlinePendingName = '';

/** Connects (or reconnects under a new name); concurrent calls for the same name share one attempt. */
function goOnline(/** @type {string} */ name) {
  if (onlinePending && onlinePendingName === name) return onlinePending;
  const attempt = (onlinePending || Promise.resolve()).catch(() => {}).then(() => connectAs(name));
  onlinePending = attempt;
  onlinePendingName = name;
  attempt.catch(() => {}).finally(() => { if (onlinePending === attempt) onlinePending = null; });
  return attempt;
}

async function connectAs(/** @type {string} */ name) {
  if (client && clientName === name && client.state !== 'failed' && client.state !== 'closed') return client;
  if (client) await client.close();
  clientName = name;
  const sub = peerIdFor(name);
  const token = await fetchToken(sub);
  client = new RtcStackClient({
    token, getToken: () => fetchToken(sub), meta: { name, cam: camOn, mic: micOn },
    iceTransportPolicy: q.get('policy') === 'relay' ? 'relay' : 'all',
    log: (s) => { T.log.push(s); console.debug('[rtcstack]', s); },
  });
  T.client = client;
  wireClient(client);
  setStatus('connecting');
  const welcome = await client.connect();
  $('who').innerHTML = '';
  $('who').append('You are ', Object.assign(document.createElement('b'), { textContent: welcome.peer }));
  $('who').hidden = false;
  $('my-id-hint').textContent = `Others can call you as “${welcome.peer}”.`;
  return client;
}

function wireClient(/** @type {RtcStackClient} */ c) {
  c.on('state', (s) => { if (c === client) setStatus(s); });
  c.on('error', (e) => {
    if (c !== client) return;
    if (e.fatal) { showError(e); if (!$('call').hidden) endCall(false); }
    else if (e.code !== 'unknown-call') toast(e.text, 'bad');
  });
  c.on('welcome', () => { T.welcomes++; T.peerId = c.peerId; });
  c.on('resumed', () => { T.resumed++; toast('Reconnected.', 'ok', 2500); });
  c.on('session-reset', () => { T.resets++; toast('Reconnected with a new session; rejoining the room.', '', 4000); });
  c.on('members', (list) => { for (const m of list) addMember(m); });
  c.on('member-joined', (m) => { addMember(m); toast(`${nameOf(m.peer)} ${m.restored ? 'reconnected' : 'joined'}`, 'ok', 2500); });
  c.on('peer-replaced', ({ peer }) => { T.replaced[peer] = (T.replaced[peer] || 0) + 1; });
  c.on('member-updated', (m) => { grid.ensure(m.peer, nameOf(m.peer)); grid.setMeta(m.peer, m.meta); });
  c.on('member-left', ({ peer, reason }) => {
    grid.remove(peer);
    quality.remove(peer);
    delete T.frames[peer];
    T.members = [...c.members.keys()];
    toast(`${T.names[peer] || peer} ${reason === 'timeout' ? 'lost connection' : 'left'}`, '', 3000);
    updateCount();
  });
  c.on('track', ({ peer, stream }) => { grid.ensure(peer, nameOf(peer)); grid.attach(peer, stream); });
  c.on('peer-state', ({ peer, state }) => {
    T.peerStates[peer] = state;
    grid.setState(peer, state === 'connected' ? '' : state === 'failed' ? 'Connection failed, retrying…' : state === 'disconnected' ? 'Reconnecting…' : state === 'new' || state === 'connecting' ? 'Connecting…' : '');
  });
  c.on('chat', (m) => { T.chat.push({ from: m.from, name: m.name, text: m.text, ts: m.ts }); renderChat(m); bumpUnread(); setTyping(m.from, null); });
  c.on('typing', ({ peer, name, typing }) => setTyping(peer, typing ? name : null));
  c.on('file', (tr) => {
    const rec = T.trackTransfer(tr);
    renderTransfer(tr, nameOf(tr.peer));
    if (tr.direction === 'receive') { bumpUnread(); toast(`${nameOf(tr.peer)} is sending you “${tr.name}”`, '', 3000); }
    return rec;
  });
  c.on('invite', onInvite);
  c.on('ringing', (m) => { if (call && call.callId === m.callId) { call.state = 'ringing'; T.callState = 'ringing-out'; $('ring-sub').textContent = 'Ringing…'; } });
  c.on('accepted', (m) => { if (call && call.callId === m.callId) { T.callLog.push('accepted'); hideRing(); enterRoom(call.room).catch(showError); } });
  c.on('declined', (m) => callEnded(m, m.reason === 'busy' ? `${call?.peer} is busy in another call.` : `${call?.peer} declined the call.`, 'declined'));
  c.on('cancelled', (m) => callEnded(m, `Missed call from ${call?.peer}.`, 'missed'));
  c.on('invite-timeout', (m) => callEnded(m, call?.direction === 'in' ? `Missed call from ${call?.peer}.` : `${call?.peer} did not answer.`, call?.direction === 'in' ? 'missed' : 'no-answer'));
  c.on('hangup', (m) => {
    if (!call || call.callId !== m.callId) return;
    T.callLog.push('hangup');
    toast(`${call.peer} hung up.`, '', 4000);
    call = null;
    endCall(false);
  });
}

function nameOf(/** @type {string} */ peer) {
  const m = client?.members.get(peer);
  const name = (m && m.meta && m.meta.name) || T.names[peer] || peer;
  T.names[peer] = name;
  return name;
}

function addMember(/** @type {{peer: string, meta: any}} */ m) {
  grid.ensure(m.peer, nameOf(m.peer));
  grid.setMeta(m.peer, m.meta || {});
  grid.setState(m.peer, 'Connecting…');
  T.members = [...(client?.members.keys() || [])];
  updateCount();
}

function updateCount() {
  const n = (client?.members.size || 0) + 1;
  $('member-count').textContent = `${n} ${n === 1 ? 'person' : 'people'}`;
}

// ---------- media ----------

async function startMedia() {
  if (q.get('media') === '0') { camOn = false; micOn = false; renderMediaButtons(); return; }
  const cam = $('cam-select').value, mic = $('mic-select').value;
  try {
    const s = await navigator.mediaDevices.getUserMedia({
      video: cam ? { deviceId: { exact: cam }, width: 640, height: 480 } : { width: 640, height: 480 },
      audio: mic ? { deviceId: { exact: mic } } : true,
    });
    if (localStream) for (const t of localStream.getTracks()) t.stop();
    localStream = s;
    applyMute();
    $('preview').srcObject = s;
    await fillDevices();
    if (client) client.setLocalStream(s);
    if (grid.tiles.has('self')) grid.attach('self', s);
  } catch (e) {
    const name = /** @type {any} */ (e).name;
    const text = name === 'NotAllowedError' ? 'Camera and microphone access was denied. You can still join to chat and see others; allow access in the browser’s site settings to be seen and heard.'
      : name === 'NotFoundError' ? 'No camera or microphone was found. You can still join to chat and see others.'
        : `Camera or microphone could not start (${name || e}).`;
    T.mediaError = name || String(e);
    camOn = false; micOn = false;
    showError({ code: 'media', text });
  }
  renderMediaButtons();
}

async function fillDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [kind, sel] of [['videoinput', $('cam-select')], ['audioinput', $('mic-select')]]) {
    const current = localStream?.getTracks().find((t) => (kind === 'videoinput' ? t.kind === 'video' : t.kind === 'audio'))?.getSettings().deviceId;
    sel.innerHTML = '';
    devices.filter((d) => d.kind === kind).forEach((d, i) => {
      const o = new Option(d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}`, d.deviceId);
      o.selected = d.deviceId === current;
      sel.append(o);
    });
  }
}

function applyMute() {
  localStream?.getAudioTracks().forEach((t) => { t.enabled = micOn; });
  localStream?.getVideoTracks().forEach((t) => { t.enabled = camOn; });
}

function renderMediaButtons() {
  for (const id of ['lobby-mic', 'btn-mic']) { $(id).classList.toggle('off', !micOn); $(id).title = micOn ? 'Mute microphone' : 'Unmute microphone'; }
  for (const id of ['lobby-cam', 'btn-cam']) { $(id).classList.toggle('off', !camOn); $(id).title = camOn ? 'Turn camera off' : 'Turn camera on'; }
  $('btn-screen').classList.toggle('on', !!screenTrack);
  $('preview-off').hidden = camOn && !!localStream;
  grid.setMeta('self', { cam: camOn, mic: micOn, screen: !!screenTrack });
}

function toggle(/** @type {'mic'|'cam'} */ what) {
  if (what === 'mic') micOn = !micOn; else camOn = !camOn;
  if (!localStream && (micOn || camOn)) { startMedia(); return; }
  applyMute();
  renderMediaButtons();
  client?.updateMeta({ mic: micOn, cam: camOn });
}

async function toggleScreen() {
  if (!client) return;
  if (screenTrack) { stopScreen(); return; }
  try {
    const s = await navigator.mediaDevices.getDisplayMedia({ video: true });
    screenTrack = s.getVideoTracks()[0];
    screenTrack.onended = () => stopScreen();
    await client.replaceTrack('video', screenTrack);
    grid.attach('self', new MediaStream([screenTrack]));
    client.updateMeta({ screen: true });
  } catch (e) {
    if (/** @type {any} */ (e).name !== 'NotAllowedError') toast(`Screen sharing failed: ${e}`, 'bad');
  }
  renderMediaButtons();
}

function stopScreen() {
  screenTrack?.stop();
  screenTrack = null;
  const cam = localStream?.getVideoTracks()[0] || null;
  client?.replaceTrack('video', cam);
  if (localStream) grid.attach('self', localStream);
  client?.updateMeta({ screen: false });
  renderMediaButtons();
}


// ---------- rooms and calls ----------

/** Joins `room` and shows the call view. */
async function enterRoom(/** @type {string} */ room) {
  const c = client;
  if (!c) return;
  banner('');
  $('lobby-error').hidden = true;
  c.setLocalStream(screenTrack && localStream ? new MediaStream([...localStream.getAudioTracks(), screenTrack]) : localStream);
  c.updateMeta({ name: clientName, cam: camOn, mic: micOn });
  const members = await c.join(room, { name: clientName, cam: camOn, mic: micOn });
  T.room = room;
  T.view = 'call';
  T.callState = call ? 'in-call' : 'in-room';
  if (call) call.state = 'in-call';
  $('lobby').hidden = true;
  $('call').hidden = false;
  if (T.mediaError) banner(T.mediaError === 'NotAllowedError' ? 'You joined without camera and microphone because access was denied. Others can still see and hear you once you allow it and rejoin.' : 'You joined without camera and microphone.', 'info');
  $('room-name').textContent = call ? `Call with ${nameOf(call.peer)}` : room;
  grid.ensure('self', clientName, true);
  if (localStream) grid.attach('self', localStream);
  renderMediaButtons();
  for (const m of members) addMember(m);
  updateCount();
  grid.layout();
  history.replaceState(null, '', `?${new URLSearchParams({ ...Object.fromEntries(q), room }).toString()}`);
}

/** Leaves the room (hanging up a 1:1 call) and returns to the lobby. */
async function endCall(/** @type {boolean} */ hangup) {
  const c = client;
  if (hangup && call && c) c.hangup(call.callId).catch(() => {});
  call = null;
  stopScreen();
  if (c) await c.leave().catch(() => {});
  grid.clear();
  for (const p of [...quality.peers.keys()]) quality.remove(p);
  banner('');
  T.view = 'lobby';
  T.callState = 'idle';
  T.room = null;
  T.frames = {};
  $('call').hidden = true;
  $('lobby').hidden = false;
  if (localStream) $('preview').srcObject = localStream;
}

function showRing(/** @type {string} */ title, /** @type {string} */ sub, /** @type {string} */ who, incoming) {
  $('ring-title').textContent = title;
  $('ring-sub').textContent = sub;
  $('ring-avatar').textContent = initials(who);
  $('ring-accept').hidden = !incoming;
  $('ring-decline').title = incoming ? 'Decline' : 'Cancel';
  $('ring').hidden = false;
}

function hideRing() { $('ring').hidden = true; }

async function startCall(/** @type {string} */ to) {
  const c = await goOnline($('name').value.trim());
  const room = `call-${Math.random().toString(36).slice(2, 10)}`;
  const mine = { callId: '', peer: to, room, direction: /** @type {'out'} */ ('out'), state: 'calling' };
  call = mine;
  T.callState = 'calling';
  showRing(`Calling ${to}…`, 'Waiting for the server…', to, false);
  try {
    mine.callId = await c.invite(to, room, { name: clientName });
    T.callId = mine.callId;
    if (call !== mine) { c.cancel(mine.callId).catch(() => {}); return; } // cancelled before the server answered
    $('ring-sub').textContent = 'Calling…';
  } catch (e) {
    if (call !== mine) return;
    call = null;
    T.callState = 'idle';
    hideRing();
    showError(e);
  }
}

function onInvite(/** @type {any} */ m) {
  T.invites.push({ callId: m.callId, from: m.from, room: m.room });
  if (call || T.view === 'call') { client?.decline(m.callId, 'busy').catch(() => {}); return; }
  call = { callId: m.callId, peer: m.from, room: m.room, direction: 'in', state: 'ringing' };
  T.callState = 'ringing-in';
  T.callId = m.callId;
  const name = (m.meta && m.meta.name) || m.from;
  showRing(`${name} is calling`, 'Incoming video call', name, true);
}

function callEnded(/** @type {any} */ m, /** @type {string} */ text, /** @type {string} */ kind) {
  if (!call || call.callId !== m.callId) return;
  T.callLog.push(kind);
  const inCall = call.state === 'in-call';
  call = null;
  hideRing();
  toast(text, kind === 'missed' || kind === 'declined' ? 'bad' : '', 6000);
  if (inCall) endCall(false);
  else T.callState = 'idle';
}

async function acceptCall() {
  if (!call || !client) return;
  const c = call;
  hideRing();
  try {
    await client.accept(c.callId);
    T.callLog.push('accepted');
    await enterRoom(c.room);
  } catch (e) { call = null; T.callState = 'idle'; showError(e); }
}

function declineOrCancel() {
  if (!call || !client) { hideRing(); return; }
  const c = call;
  call = null;
  T.callState = 'idle';
  hideRing();
  if (c.direction === 'in') { client.decline(c.callId).catch(() => {}); T.callLog.push('i-declined'); }
  else { client.cancel(c.callId).catch(() => {}); T.callLog.push('i-cancelled'); }
}

// ---------- chat, typing, panel ----------

/** @type {Map<string, {name: string, timer: any}>} */ const typers = new Map();
function setTyping(/** @type {string} */ peer, /** @type {string|null} */ name) {
  clearTimeout(typers.get(peer)?.timer);
  if (name) typers.set(peer, { name, timer: setTimeout(() => setTyping(peer, null), 4000) }); else typers.delete(peer);
  const names = [...typers.values()].map((t) => t.name);
  T.typing = names;
  $('typing').textContent = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`;
}

let typingSent = 0;
function onChatInput() {
  const now = Date.now();
  if (now - typingSent > 2000 && $('chat-input').value) { typingSent = now; client?.setTyping(true); }
}

function sendChat(/** @type {string} */ text) {
  if (!client || !text.trim()) return null;
  const m = client.sendChat(text);
  T.sentChat.push(text);
  renderChat(m);
  typingSent = 0;
  return m;
}

let unread = 0;
function bumpUnread() {
  if ($('call').hidden || ($('panel').dataset.tab === 'chat' && !$('panel').hidden)) return;
  unread++;
  $('unread').textContent = String(unread);
  $('unread').hidden = false;
}

function showTab(/** @type {string} */ tab) {
  $('panel').dataset.tab = tab;
  for (const b of document.querySelectorAll('.tabs button')) b.classList.toggle('active', b.getAttribute('data-tab') === tab);
  for (const t of ['chat', 'files', 'quality']) $(`tab-${t}`).hidden = t !== tab;
  if (tab === 'chat') { unread = 0; $('unread').hidden = true; }
}

function sendFiles(/** @type {FileList|Blob[]} */ files) {
  if (!client) return [];
  if (client.peers.size === 0) { toast('Nobody else is here yet to receive the file.', 'bad'); return []; }
  return [...files].flatMap((f) => client.sendFile(f));
}

// ---------- stats loop ----------

async function pollStats() {
  const c = client;
  if (c && T.view === 'call') {
    for (const peer of [...c.peers.keys()]) {
      const s = await c.getStats(peer).catch(() => null);
      if (!s) continue;
      T.frames[peer] = s.framesDecoded;
      T.fps[peer] = s.fps;
      T.audio[peer] = { energy: s.audioEnergy, level: s.audioLevel, packets: s.audioPacketsReceived };
      T.pairs[peer] = s.pairType ? { type: s.pairType, relayProtocol: s.relayProtocol, local: s.localCandidate, remote: s.remoteCandidate } : null;
      grid.setSpeaking(peer, s.audioLevel > 0.04);
      quality.update(peer, nameOf(peer), s);
    }
  }
  setTimeout(pollStats, 1000);
}

// ---------- wiring ----------

$('join-form').addEventListener('submit', async (/** @type {Event} */ ev) => {
  ev.preventDefault();
  const name = $('name').value.trim(), room = $('room').value.trim();
  rememberName(name);
  $('join-btn').disabled = true;
  try { await goOnline(name); await enterRoom(room); } catch (e) { showError(e); } finally { $('join-btn').disabled = false; }
});
function rememberName(/** @type {string} */ name) {
  localStorage.setItem('rtcstack.name', name);
  sessionStorage.setItem('rtcstack.name', name);
}
$('call-form').addEventListener('submit', (/** @type {Event} */ ev) => {
  ev.preventDefault();
  if (!$('name').value.trim()) { showError({ code: 'name', text: 'Enter your name first.' }); return; }
  rememberName($('name').value.trim());
  startCall($('callee').value.trim()).catch(showError);
});
$('name').addEventListener('change', () => {
  const name = $('name').value.trim();
  if (name) { rememberName(name); goOnline(name).catch(showError); }
});
$('ring-accept').onclick = acceptCall;
$('ring-decline').onclick = declineOrCancel;
$('lobby-mic').onclick = $('btn-mic').onclick = () => toggle('mic');
$('lobby-cam').onclick = $('btn-cam').onclick = () => toggle('cam');
$('btn-screen').onclick = toggleScreen;
$('btn-leave').onclick = () => endCall(true);
$('btn-panel').onclick = () => { $('panel').hidden = !$('panel').hidden; if (!$('panel').hidden) showTab($('panel').dataset.tab || 'chat'); };
for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => showTab(b.getAttribute('data-tab') || 'chat'));
$('chat-form').addEventListener('submit', (/** @type {Event} */ ev) => { ev.preventDefault(); sendChat($('chat-input').value); $('chat-input').value = ''; });
$('chat-input').addEventListener('input', onChatInput);
$('file-input').addEventListener('change', () => { sendFiles($('file-input').files); $('file-input').value = ''; });
const dz = $('dropzone');
dz.addEventListener('dragover', (/** @type {DragEvent} */ e) => { e.preventDefault(); dz.classList.add('over'); });
dz.addEventListener('dragleave', () => dz.classList.remove('over'));
dz.addEventListener('drop', (/** @type {DragEvent} */ e) => { e.preventDefault(); dz.classList.remove('over'); if (e.dataTransfer) sendFiles(e.dataTransfer.files); });
$('cam-select').onchange = $('mic-select').onchange = () => startMedia();

T.actions = { enterRoom, endCall, startCall, acceptCall, declineOrCancel, sendChat, sendFiles, goOnline: () => goOnline($('name').value.trim()) };
showTab('chat');

(async () => {
  // Go online at once only when this tab was told who we are (URL, or a reload of this tab). A name
  // remembered from another tab only pre-fills the field: connecting with it would take over that tab's session.
  const tabName = q.get('name') || sessionStorage.getItem('rtcstack.name');
  $('name').value = tabName || localStorage.getItem('rtcstack.name') || '';
  $('room').value = q.get('room') || '';
  pollStats();
  await startMedia();
  T.ready = true;
  const name = $('name').value.trim();
  if (!tabName && !q.get('token')) return;
  try {
    await goOnline(name || q.get('id') || 'guest');
    if (q.get('autojoin') === '1' && $('room').value) await enterRoom($('room').value.trim());
  } catch (e) { showError(e); setStatus(client?.state === 'failed' ? 'failed' : 'idle'); }
})();
