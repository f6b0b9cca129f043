"""Deterministic synthetic driving scenes with an expert's future ego trajectory (numpy only).

A scene, in the ego frame (ego at the origin heading +x): a three-lane road of constant
curvature, vehicles on the lanes at constant speed, the ego somewhere on the road with a
speed and a desired speed. The expert is rule-based: IDM car-following behind the lane's
leader, and a lane change (to the left first) when the leader is slower than the desired
speed by more than 3 m/s and the target lane has a gap; the lateral move is a smooth 4 s
blend. Its future positions and headings over `steps` x `dt` are the ground truth.

The arrays match the planner family's inputs (make_planner.py): ego [1, 1, 8], agents
[1, A, 10], agent_mask [1, A] (bool), map_polylines [1, P, 20, 6]. Positions are scaled by
1/20, speeds by 1/10, so features stay near unit range; the target trajectory is in metres.

    scenes(n, seed, agents=16, polylines=8, steps=12) -> dict of stacked arrays [n, ...]
"""
import numpy as np

LANE_WIDTH = 3.5
DT = 0.5


def _road_point(kappa, s, offset):
    """Point and heading at arc length s, lateral offset `offset`, on a constant-curvature road
    whose reference line starts at the origin heading +x."""
    s = np.asarray(s, np.float64)
    th = kappa * s
    if abs(kappa) < 1e-6:
        x, y = s, np.zeros_like(s)
    else:
        x, y = np.sin(th) / kappa, (1 - np.cos(th)) / kappa
    return x - offset * np.sin(th), y + offset * np.cos(th), th


def _idm(v, v_des, gap, v_lead):
    a_max, b, s0, headway = 2.0, 3.0, 2.0, 1.5
    free = 1 - (v / max(v_des, 0.1)) ** 4
    if gap is None:
        return a_max * free
    s_star = s0 + v * headway + v * (v - v_lead) / (2 * np.sqrt(a_max * b))
    return a_max * (free - (max(s_star, 0) / max(gap, 0.5)) ** 2)


def one_scene(rng, agents=16, polylines=8, steps=12, points=20):
    kappa = rng.uniform(-0.01, 0.01) if rng.random() < 0.7 else 0.0
    ego_lane = int(rng.integers(0, 3))           # 0 right, 1 middle, 2 left
    lane_offsets = (np.arange(3) - ego_lane) * LANE_WIDTH  # lane centres vs the ego lane
    v0 = rng.uniform(4, 25)
    v_des = float(np.clip(v0 + rng.normal(3, 4), 5, 30))
    dev = rng.normal(0, 0.3)                      # ego offset from its lane centre

    # Vehicles: per lane, gaps of 12-50 m, some ahead some behind, slower or faster.
    cars = []  # (lane, s, v, length, width)
    for lane in range(3):
        s = rng.uniform(-45, -10)
        while s < 90 and len(cars) < agents:
            if not (lane == ego_lane and -9 < s < 9):
                cars.append((lane, s, float(np.clip(rng.normal(v0 - 2, 5), 0, 30)),
                             rng.uniform(4, 5.5), rng.uniform(1.7, 2.1)))
            s += rng.uniform(12, 50)
    rng.shuffle(cars)
    cars = cars[: int(rng.integers(len(cars) // 2, len(cars) + 1))]

    # The expert's decision.
    def leader(lane, s_ego):
        ahead = [c for c in cars if c[0] == lane and c[1] > s_ego]
        return min(ahead, key=lambda c: c[1]) if ahead else None

    def lane_free(lane):
        return 0 <= lane < 3 and not any(c[0] == lane and -12 < c[1] < 25 for c in cars)

    lead = leader(ego_lane, 0.0)
    target = ego_lane
    if lead is not None and lead[1] < 50 and lead[2] < v_des - 3:
        for cand in (ego_lane + 1, ego_lane - 1):
            if lane_free(cand):
                target = cand
                break

    # Roll out at 0.1 s: IDM behind the leader of the lane the ego is (mostly) in.
    s, v, out = 0.0, v0, []
    sub = 5
    for i in range(steps * sub):
        t = (i + 1) * 0.1
        blend = min(t / 4.0, 1.0)
        w = 0.5 - 0.5 * np.cos(np.pi * blend)
        lane_now = target if w > 0.5 else ego_lane
        ld = leader(lane_now, s - 0.0 * t)
        if ld is not None:
            s_lead = ld[1] + ld[2] * t
            gap = s_lead - s - ld[3]
            acc = _idm(v, v_des, gap if gap > -5 else None, ld[2]) if gap > -5 else _idm(v, v_des, None, 0)
        else:
            acc = _idm(v, v_des, None, 0)
        acc = float(np.clip(acc, -6, 2.5))
        v = max(v + acc * 0.1, 0.0)
        s += v * 0.1
        if (i + 1) % sub == 0:
            lat_keep = dev * max(1 - t / 2.0, 0.0)
            lat = (1 - w) * (lat_keep if target == ego_lane else dev) + w * (
                (target - ego_lane) * LANE_WIDTH)
            if target == ego_lane:
                lat = lat_keep
            out.append((s, lat, t))
    traj = np.zeros((steps, 3), np.float32)
    for j, (sj, lat, t) in enumerate(out):
        x, y, th = _road_point(kappa, sj, lat)
        # Heading: road heading plus the lateral drift angle.
        if j == 0:
            dlat = lat - dev
            ds = sj
        else:
            dlat, ds = lat - out[j - 1][1], sj - out[j - 1][0]
        traj[j] = (x, y, th + np.arctan2(dlat, max(ds, 0.1)))
    # Shift so that the ego starts at the origin (it sits `dev` off its lane centre).
    x0, y0, _ = _road_point(kappa, 0.0, dev)
    traj[:, 0] -= x0
    traj[:, 1] -= y0

    ego = np.array([0, 0, 0, v0 / 10, 0, kappa * v0, dev / LANE_WIDTH, v_des / 10], np.float32)
    ag = np.zeros((agents, 10), np.float32)
    mask = np.zeros(agents, bool)
    for i, (lane, cs, cv, ln, wd) in enumerate(cars[:agents]):
        x, y, th = _road_point(kappa, cs, lane_offsets[lane])
        ag[i] = (x / 20 - x0 / 20, (y - y0) / 20, np.cos(th), np.sin(th), cv * np.cos(th) / 10,
                 cv * np.sin(th) / 10, ln / 5, wd / 2, 1.0, (lane - ego_lane))
        mask[i] = True

    # Map: 3 lane centres and 4 boundaries over s in [-20, 80] m, then empty polylines.
    poly = np.zeros((polylines, points, 6), np.float32)
    s_pts = np.linspace(-20, 80, points)
    lines = [(lane_offsets[l], 0.0, l - ego_lane) for l in range(3)]
    lines += [((b - ego_lane) * LANE_WIDTH - LANE_WIDTH / 2, 1.0, b - ego_lane - 0.5)
              for b in range(4)]
    for i, (off, kind, rel) in enumerate(lines[:polylines]):
        x, y, th = _road_point(kappa, s_pts, off)
        poly[i, :, 0] = (x - x0) / 20
        poly[i, :, 1] = (y - y0) / 20
        poly[i, :, 2] = np.cos(th)
        poly[i, :, 3] = np.sin(th)
        poly[i, :, 4] = kind
        poly[i, :, 5] = rel
    return ego, ag, mask, poly, traj


def scenes(n, seed, agents=16, polylines=8, steps=12):
    rng = np.random.default_rng(seed)
    cols = [one_scene(rng, agents, polylines, steps) for _ in range(n)]
    ego, ag, mask, poly, traj = (np.stack(c) for c in zip(*cols))
    return {"ego": ego[:, None, :], "agents": ag, "agent_mask": mask, "map_polylines": poly,
            "target": traj}


if __name__ == "__main__":
    d = scenes(4, 0)
    for k, v in d.items():
        print(k, v.shape, v.dtype)
    np.set_printoptions(precision=2, suppress=True)
    print(d["target"][0])
    print(d["target"][1])
