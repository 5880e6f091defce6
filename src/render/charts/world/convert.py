#!/usr/bin/env python3
"""Convert world-atlas's land-110m.json (TopoJSON) into land-110m.txt, the outline the report's
world map draws. Run once per world-atlas update; standard library only.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 src/render/charts/world/convert.py package/land-110m.json > src/render/charts/world/land-110m.txt

Output: '#' comment lines, then one ring per line as "lon,lat lon,lat …" in degrees with one
decimal (about 0.25 px on the 900 px wide map). Points that round onto the previous one are
dropped, and so is Antarctica (every ring entirely south of 60°S), which the map crops.
"""

import json
import sys


def decode_arcs(topo):
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # delta-encoded, quantized
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(arcs, indexes):
    points = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])  # arcs share their end points
    return points


def main(path):
    topo = json.load(open(path, encoding="utf-8"))
    arcs = decode_arcs(topo)
    print("# Natural Earth 1:110m land, public domain (https://www.naturalearthdata.com/),")
    print("# via world-atlas 2.0.2 land-110m.json (ISC, Mike Bostock); converted by convert.py.")
    print("# One ring per line: lon,lat pairs in degrees. Antarctica omitted.")
    for geometry in topo["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for ring in polygon:
                points = ring_points(arcs, ring)
                if max(lat for _, lat in points) < -60:
                    continue
                out = []
                for lon, lat in points:
                    p = f"{lon:.1f},{lat:.1f}"
                    if not out or out[-1] != p:
                        out.append(p)
                if len(out) >= 3:
                    print(" ".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
