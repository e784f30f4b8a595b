// A compact summary of RTCPeerConnection.getStats() for a call quality panel.

/**
 * @typedef {{
 *   at: number,
 *   bitrateInKbps: number, bitrateOutKbps: number,
 *   packetLossPercent: number, rttMs: number|null, jitterMs: number|null, fps: number,
 *   framesDecoded: number, frameWidth: number, frameHeight: number,
 *   audioEnergy: number, audioLevel: number, audioPacketsReceived: number,
 *   pairType: string|null, localCandidate: any, remoteCandidate: any, relayProtocol: string|null,
 *   raw: {at: number, bytesIn: number, bytesOut: number, lost: number, received: number}
 * }} StatsSummary
 */

/**
 * @param {RTCStatsReport} report
 * @param {StatsSummary['raw']|null} prev the `raw` field of the previous summary (for rates)
 * @returns {StatsSummary}
 */
export function summarizeStats(report, prev) {
  let bytesIn = 0, bytesOut = 0, lost = 0, received = 0;
  let fps = 0, framesDecoded = 0, frameWidth = 0, frameHeight = 0;
  let jitter = null, audioEnergy = 0, audioLevel = 0, audioPacketsReceived = 0;
  let transport = null;
  report.forEach((s) => {
    if (s.type === 'inbound-rtp') {
      bytesIn += s.bytesReceived || 0;
      lost += Math.max(0, s.packetsLost || 0);
      received += s.packetsReceived || 0;
      if (s.kind === 'video') {
        fps += s.framesPerSecond || 0;
        framesDecoded += s.framesDecoded || 0;
        frameWidth = s.frameWidth || frameWidth;
        frameHeight = s.frameHeight || frameHeight;
        if (typeof s.jitter === 'number') jitter = Math.max(jitter ?? 0, s.jitter * 1000);
      } else if (s.kind === 'audio') {
        audioEnergy += s.totalAudioEnergy || 0;
        audioLevel = Math.max(audioLevel, s.audioLevel || 0);
        audioPacketsReceived += s.packetsReceived || 0;
        if (typeof s.jitter === 'number') jitter = Math.max(jitter ?? 0, s.jitter * 1000);
      }
    } else if (s.type === 'outbound-rtp') {
      bytesOut += s.bytesSent || 0;
    } else if (s.type === 'transport') {
      transport = s;
    }
  });
  let pair = transport && transport.selectedCandidatePairId ? report.get(transport.selectedCandidatePairId) : null;
  if (!pair) report.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
  const local = pair ? report.get(pair.localCandidateId) : null;
  const remote = pair ? report.get(pair.remoteCandidateId) : null;
  // Data channels count as traffic too (files), so include the transport totals when they are larger.
  if (transport) {
    bytesIn = Math.max(bytesIn, transport.bytesReceived || 0);
    bytesOut = Math.max(bytesOut, transport.bytesSent || 0);
  }
  const at = performance.now();
  const dt = prev ? (at - prev.at) / 1000 : 0;
  const rate = (now, before) => (dt > 0 ? Math.max(0, ((now - before) * 8) / dt / 1000) : 0);
  const dLost = prev ? lost - prev.lost : 0;
  const dRecv = prev ? received - prev.received : 0;
  return {
    at,
    bitrateInKbps: prev ? rate(bytesIn, prev.bytesIn) : 0,
    bitrateOutKbps: prev ? rate(bytesOut, prev.bytesOut) : 0,
    packetLossPercent: dLost + dRecv > 0 ? (100 * Math.max(0, dLost)) / (dLost + dRecv) : 0,
    rttMs: pair && typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime * 1000 : null,
    jitterMs: jitter,
    fps,
    framesDecoded,
    frameWidth,
    frameHeight,
    audioEnergy,
    audioLevel,
    audioPacketsReceived,
    pairType: local ? local.candidateType : null,
    localCandidate: local ? { type: local.candidateType, address: local.address, port: local.port, protocol: local.protocol } : null,
    remoteCandidate: remote ? { type: remote.candidateType, address: remote.address, port: remote.port, protocol: remote.protocol } : null,
    relayProtocol: local && local.relayProtocol ? local.relayProtocol : null,
    raw: { at, bytesIn, bytesOut, lost, received },
  };
}
