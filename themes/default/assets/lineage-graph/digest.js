/* lineage-graph/digest.js: SHA-256 of an ASCII key, for the page names the data leaves out.
 *
 * A site names a node's page after its key and the first 12 hex digits of the key's SHA-256
 * (lineage_report/naming.py `page_digest`). The page data leaves that digest out where the key
 * gives it (graphview/compact.py), so the browser works it out here: synchronously, from
 * file:// too, where crypto.subtle may be missing and is asynchronous anyway.
 */
(function (LG) {
  'use strict';

  // The first 32 bits of the fractional parts of the square roots (H0) and cube roots (K)
  // of the first 8 and 64 primes (FIPS 180-4, 4.2.2 and 5.3.3).
  var H0 = [];
  var K = [];
  (function constants() {
    var fraction = (x) => Math.floor((x - Math.floor(x)) * 0x100000000) >>> 0;
    for (var n = 2; K.length < 64; n++) {
      var prime = true;
      for (var d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
      if (!prime) continue;
      if (H0.length < 8) H0.push(fraction(Math.sqrt(n)));
      K.push(fraction(Math.cbrt(n)));
    }
  })();

  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  // The padded message: the key's bytes, a 1 bit, zeros, and its length in bits.
  function padded(text) {
    var bytes = [];
    for (var i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i) & 0xff);
    var bits = bytes.length * 8;
    bytes.push(0x80);
    while (bytes.length % 64 !== 56) bytes.push(0);
    bytes.push(0, 0, 0, 0); // keys are far shorter than 2^32 bits
    bytes.push((bits >>> 24) & 0xff, (bits >>> 16) & 0xff, (bits >>> 8) & 0xff, bits & 0xff);
    return bytes;
  }

  // The hex SHA-256 of an ASCII text (naming only uses it for ASCII keys).
  function sha256(text) {
    var bytes = padded(String(text));
    var h = H0.slice();
    var w = new Array(64);
    for (var at = 0; at < bytes.length; at += 64) {
      for (var t = 0; t < 16; t++) {
        var j = at + t * 4;
        w[t] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
      }
      for (t = 16; t < 64; t++) {
        var s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        var s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var [a, b, c, d, e, f, g, hh] = h;
      for (t = 0; t < 64; t++) {
        var t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
          K[t] + w[t]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0;
        d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      [a, b, c, d, e, f, g, hh].forEach((x, k) => { h[k] = (h[k] + x) | 0; });
    }
    return h.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
  }

  LG.digest = { sha256: sha256 };
})(window.LineageGraph = window.LineageGraph || {});
