// WGS 84 lon/lat → VN-2000 / TM-3 105°45′ (EPSG:9210) metres, for the live coordinate readout. The
// server does VN-2000 with PROJ (layers/crs.py: always the decree's transformation EPSG:6960); this
// is the same arithmetic for a mouse move, checked against pyproj in tests/test_map_tools_in_browser.py.
// VN-2000 uses the WGS 84 ellipsoid; only the datum shift (7 parameters) and the projection differ.

const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const ARCSEC = Math.PI / (180 * 3600);
// EPSG:6960, VN-2000 → WGS 84, coordinate frame rotation (as PROJ's pipeline for it states).
const SHIFT = { x: -191.90441429, y: -39.30318279, z: -111.45032835, rx: -0.00928836 * ARCSEC,
  ry: 0.01975479 * ARCSEC, rz: -0.00427372 * ARCSEC, s: 0.252906278e-6 };
// EPSG:9210: Transverse Mercator, central meridian 105°45′, scale 0.9999, false easting 500 km.
const TM3 = { lon0: 105.75, k0: 0.9999, x0: 500000, y0: 0 };

const rad = (deg) => (deg * Math.PI) / 180;

function toCartesian(lon, lat) {
  const [l, p] = [rad(lon), rad(lat)];
  const n = A / Math.sqrt(1 - E2 * Math.sin(p) ** 2);
  return [n * Math.cos(p) * Math.cos(l), n * Math.cos(p) * Math.sin(l), n * (1 - E2) * Math.sin(p)];
}

function fromCartesian([x, y, z]) {
  const p = Math.hypot(x, y);
  let lat = Math.atan2(z, p * (1 - E2));
  for (let i = 0; i < 6; i += 1) { // converges to 1e-12 rad in three steps at these heights
    const n = A / Math.sqrt(1 - E2 * Math.sin(lat) ** 2);
    const h = p / Math.cos(lat) - n;
    lat = Math.atan2(z, p * (1 - (E2 * n) / (n + h)));
  }
  return [(Math.atan2(y, x) * 180) / Math.PI, (lat * 180) / Math.PI];
}

// The inverse of EPSG:6960's coordinate-frame Helmert: X_vn = Rᵀ (X_wgs − T) / (1 + s).
function wgs84ToVn2000Geographic(lon, lat) {
  const [x, y, z] = toCartesian(lon, lat);
  const { rx, ry, rz, s } = SHIFT;
  const [dx, dy, dz] = [x - SHIFT.x, y - SHIFT.y, z - SHIFT.z].map((v) => v / (1 + s));
  // Coordinate frame R = [[1, rz, −ry], [−rz, 1, rx], [ry, −rx, 1]]; its transpose undoes it.
  return fromCartesian([dx - rz * dy + ry * dz, rz * dx + dy - rx * dz, -ry * dx + rx * dy + dz]);
}

// Krüger's series to n⁴ (Karney 2011): sub-millimetre within a 3° zone.
const N = F / (2 - F);
const AR = (A / (1 + N)) * (1 + N ** 2 / 4 + N ** 4 / 64);
const ALPHA = [
  N / 2 - (2 * N ** 2) / 3 + (5 * N ** 3) / 16 + (41 * N ** 4) / 180,
  (13 * N ** 2) / 48 - (3 * N ** 3) / 5 + (557 * N ** 4) / 1440,
  (61 * N ** 3) / 240 - (103 * N ** 4) / 140,
  (49561 * N ** 4) / 161280,
];
const E = Math.sqrt(E2);

function transverseMercator(lon, lat) {
  const phi = rad(lat);
  const lambda = rad(lon - TM3.lon0);
  const t = Math.sinh(Math.atanh(Math.sin(phi)) - E * Math.atanh(E * Math.sin(phi)));
  const xi0 = Math.atan2(t, Math.cos(lambda));
  const eta0 = Math.atanh(Math.sin(lambda) / Math.sqrt(1 + t * t));
  let xi = xi0;
  let eta = eta0;
  ALPHA.forEach((a, i) => {
    const j = 2 * (i + 1);
    xi += a * Math.sin(j * xi0) * Math.cosh(j * eta0);
    eta += a * Math.cos(j * xi0) * Math.sinh(j * eta0);
  });
  return [TM3.x0 + TM3.k0 * AR * eta, TM3.y0 + TM3.k0 * AR * xi];
}

// [easting, northing] in metres, or null far from Vietnam, where VN-2000 / TM-3 means nothing.
export function wgs84ToVn2000(lon, lat) {
  if (!(lon >= 101 && lon <= 111 && lat >= 7 && lat <= 24)) return null;
  return transverseMercator(...wgs84ToVn2000Geographic(lon, lat));
}
