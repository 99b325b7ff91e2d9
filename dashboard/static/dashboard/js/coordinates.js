// The live coordinate readout: the point under the pointer in WGS 84 degrees and in VN-2000 / TM-3
// 105°45′ metres (EPSG:9210, the province's survey grid; vn2000.js). Focus on the map reads its centre.
import { el } from "./dom.js";
import { formatNumber, t } from "./i18n.js";
import { wgs84ToVn2000 } from "./vn2000.js";

export class CoordinateReadout {
  constructor(map, root) {
    this.map = map;
    this.wgs = el("span", { class: "readout-wgs84" });
    this.vn = el("span", { class: "readout-vn2000" });
    this.node = el("div", { class: "coordinate-readout", id: "coordinate-readout", "aria-label": t("Coordinates under the pointer") },
      this.wgs, this.vn);
    root.append(this.node);
    map.on("mousemove", (event) => this.show(event.lngLat.lng, event.lngLat.lat));
    map.on("moveend", () => { if (document.activeElement === map.getCanvas()) this.show(map.getCenter().lng, map.getCenter().lat); });
    this.show(map.getCenter().lng, map.getCenter().lat);
  }

  show(lon, lat) {
    Object.assign(this.node.dataset, { lon: lon.toFixed(7), lat: lat.toFixed(7) });
    this.wgs.textContent = `WGS 84: ${formatNumber(lat, 6, 6)}° N, ${formatNumber(lon, 6, 6)}° E`;
    const vn = wgs84ToVn2000(lon, lat);
    if (!vn) {
      this.vn.textContent = "";
      delete this.node.dataset.easting;
      delete this.node.dataset.northing;
      return;
    }
    Object.assign(this.node.dataset, { easting: vn[0].toFixed(3), northing: vn[1].toFixed(3) });
    this.vn.textContent = `VN-2000 (EPSG:9210): E ${formatNumber(vn[0], 2, 2)} m, N ${formatNumber(vn[1], 2, 2)} m`;
  }
}
