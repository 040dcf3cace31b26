"""Reference timing: EDM's QM9 training step in PyTorch, for the ratios in benchmarks/README.md.

Not part of the library or of CI. Needs Python 3 with PyTorch (Debian: apt-get install python3-torch) and the QM9
file of ../shared/data. Usage, from the repository root:

    /usr/bin/python3 benchmarks/reference/edm_train_step.py tiny|small|medium|released [steps=20] [batch=64] [threads=2]

The network is EDM's EGNN_dynamics_QM9 (egnn/models.py + egnn/egnn_new.py of the EDM repository), written out here
from its published architecture: dense batches padded to the batch's largest molecule, all n x n pairs per molecule
as edges (masked), concatenated edge-MLP inputs, scatter_add aggregation, edge lists cached per (n_nodes, batch) as
EDM caches them. The step is EDM's train_epoch for an l2 loss: random t in {0..T}, the polynomial_2 schedule,
centred position noise, z_t = alpha x + sigma eps, the network on z_t, ||eps - eps_hat||^2, backward, EDM's adaptive
clipping (1.5 mean + 2 std of a norm queue), AdamW(amsgrad, lr 1e-4, wd 1e-12) and the EMA (0.999). The cheap
terms of EDM's loss (prior KL, log p(N), the t = 0 likelihood, all a few [B, n, d] operations) are left out.
Batches are drawn from the real QM9 molecules (uniformly, sizes as in training).
"""
import gzip, math, os, statistics, sys, time

import torch
import torch.nn as nn

SIZES = {"tiny": (32, 2), "small": (64, 4), "medium": (128, 6), "released": (256, 9)}


def segment_sum(data, ids, n):
    out = data.new_full((n, data.size(1)), 0)
    out.scatter_add_(0, ids.unsqueeze(-1).expand(-1, data.size(1)), data)
    return out  # normalization_factor 1, 'sum'


def coord2diff(x, edges, norm_constant=1):
    row, col = edges
    diff = x[row] - x[col]
    radial = torch.sum(diff ** 2, 1).unsqueeze(1)
    return radial, diff / (torch.sqrt(radial + 1e-8) + norm_constant)


class GCL(nn.Module):
    def __init__(self, nf, edge_nf):
        super().__init__()
        self.edge_mlp = nn.Sequential(nn.Linear(2 * nf + edge_nf, nf), nn.SiLU(), nn.Linear(nf, nf), nn.SiLU())
        self.node_mlp = nn.Sequential(nn.Linear(2 * nf, nf), nn.SiLU(), nn.Linear(nf, nf))
        self.att_mlp = nn.Sequential(nn.Linear(nf, 1), nn.Sigmoid())

    def forward(self, h, edges, edge_attr, node_mask, edge_mask):
        row, col = edges
        mij = self.edge_mlp(torch.cat([h[row], h[col], edge_attr], dim=1))
        out = mij * self.att_mlp(mij) * edge_mask
        agg = torch.cat([h, segment_sum(out, row, h.size(0))], dim=1)
        return (h + self.node_mlp(agg)) * node_mask


class EquivariantUpdate(nn.Module):
    def __init__(self, nf, edge_nf, coords_range=15.0):
        super().__init__()
        last = nn.Linear(nf, 1, bias=False)
        nn.init.xavier_uniform_(last.weight, gain=0.001)
        self.coord_mlp = nn.Sequential(nn.Linear(2 * nf + edge_nf, nf), nn.SiLU(), nn.Linear(nf, nf), nn.SiLU(), last)
        self.coords_range = coords_range

    def forward(self, h, x, edges, diff, edge_attr, node_mask, edge_mask):
        row, col = edges
        trans = diff * torch.tanh(self.coord_mlp(torch.cat([h[row], h[col], edge_attr], dim=1))) * self.coords_range
        return (x + segment_sum(trans * edge_mask, row, x.size(0))) * node_mask


class Block(nn.Module):
    def __init__(self, nf):
        super().__init__()
        self.gcl_0 = GCL(nf, 2)
        self.gcl_equiv = EquivariantUpdate(nf, 2)

    def forward(self, h, x, edges, node_mask, edge_mask, distances):
        radial, diff = coord2diff(x, edges)
        edge_attr = torch.cat([radial, distances], dim=1)
        h = self.gcl_0(h, edges, edge_attr, node_mask, edge_mask)
        x = self.gcl_equiv(h, x, edges, diff, edge_attr, node_mask, edge_mask)
        return h * node_mask, x


class Dynamics(nn.Module):
    def __init__(self, in_nf, nf, layers):
        super().__init__()
        self.embedding = nn.Linear(in_nf + 1, nf)
        self.embedding_out = nn.Linear(nf, in_nf + 1)
        self.blocks = nn.ModuleList([Block(nf) for _ in range(layers)])
        self._edges = {}

    def edges(self, n, bs):
        key = (n, bs)
        if key not in self._edges:
            r = torch.arange(n)
            rows = (r.view(1, n, 1) + n * torch.arange(bs).view(bs, 1, 1)).expand(bs, n, n).reshape(-1)
            cols = (r.view(1, 1, n) + n * torch.arange(bs).view(bs, 1, 1)).expand(bs, n, n).reshape(-1)
            self._edges[key] = [rows, cols]
        return self._edges[key]

    def forward(self, t, xh, node_mask, edge_mask):
        bs, n, dims = xh.shape
        edges = self.edges(n, bs)
        node_mask = node_mask.view(bs * n, 1)
        edge_mask = edge_mask.view(bs * n * n, 1)
        xh = xh.view(bs * n, -1) * node_mask
        x, h = xh[:, :3].clone(), xh[:, 3:].clone()
        h = torch.cat([h, t.view(bs, 1).repeat(1, n).view(bs * n, 1)], dim=1)
        distances, _ = coord2diff(x, edges)
        h0 = self.embedding(h)
        xf = x
        for block in self.blocks:
            h0, xf = block(h0, xf, edges, node_mask, edge_mask, distances)
        h_final = self.embedding_out(h0) * node_mask
        vel = ((xf - x) * node_mask).view(bs, n, 3)
        nm = node_mask.view(bs, n, 1)
        vel = vel - vel.sum(1, keepdim=True) / nm.sum(1, keepdim=True) * nm
        return torch.cat([vel, h_final[:, :-1].view(bs, n, -1)], dim=2)


def polynomial_gamma(T=1000, power=2, precision=1e-5):
    steps = T + 1
    x = torch.linspace(0, steps, steps + 1, dtype=torch.float64)
    a2 = (1 - torch.pow(x / steps, power)) ** 2
    a2 = torch.cat([torch.ones(1, dtype=torch.float64), a2])
    step = torch.clamp(a2[1:] / a2[:-1], min=0.001, max=1.0)
    a2 = torch.cumprod(step, 0)
    a2 = (1 - 2 * precision) * a2 + precision
    return (-(torch.log(a2) - torch.log(1 - a2))).float()


def read_qm9(path, limit=20000):
    mols, z = [], {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9}
    with gzip.open(path, "rt") as f:
        while len(mols) < limit:
            line = f.readline()
            if not line:
                break
            n = int(line)
            f.readline()
            atoms = [f.readline().split() for _ in range(n)]
            mols.append(([z[a[0]] for a in atoms], [[float(v) for v in a[1:4]] for a in atoms]))
    return mols


def batch(mols, idx):
    n = max(len(mols[i][0]) for i in idx)
    bs = len(idx)
    x = torch.zeros(bs, n, 3); h = torch.zeros(bs, n, 6); mask = torch.zeros(bs, n, 1)
    onehot = {1: 0, 6: 1, 7: 2, 8: 3, 9: 4}
    for b, i in enumerate(idx):
        zs, xyz = mols[i]
        k = len(zs)
        x[b, :k] = torch.tensor(xyz); mask[b, :k] = 1
        for a, zz in enumerate(zs):
            h[b, a, onehot[zz]] = 0.25; h[b, a, 5] = zz / 10.0
    x = x - x.sum(1, keepdim=True) / mask.sum(1, keepdim=True) * mask
    edge_mask = (mask.view(bs, n, 1) * mask.view(bs, 1, n)) * (1 - torch.eye(n)).unsqueeze(0)
    return torch.cat([x, h], 2), mask, edge_mask.view(bs, n * n, 1)


def main():
    size = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    bs = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 2)
    nf, layers = SIZES[size]
    torch.manual_seed(0)
    here = os.path.dirname(os.path.abspath(__file__))
    mols = read_qm9(os.path.join(here, "..", "..", "..", "shared", "data", "qm9", "qm9.xyz.gz"))
    net = Dynamics(6, nf, layers)
    ema = [p.detach().clone() for p in net.parameters()]
    opt = torch.optim.AdamW(net.parameters(), lr=1e-4, amsgrad=True, weight_decay=1e-12)
    gamma = polynomial_gamma()
    queue = [3000.0]
    g = torch.Generator().manual_seed(1)
    times = []
    for step in range(steps):
        idx = torch.randint(0, len(mols), (bs,), generator=g).tolist()
        start = time.perf_counter()
        xh, mask, edge_mask = batch(mols, idx)
        opt.zero_grad()
        t_int = torch.randint(0, 1001, (bs, 1, 1)).float()
        gam = gamma[t_int.long().view(-1)].view(bs, 1, 1)
        alpha, sigma = torch.sqrt(torch.sigmoid(-gam)), torch.sqrt(torch.sigmoid(gam))
        eps = torch.randn(xh.shape) * mask
        eps[:, :, :3] = eps[:, :, :3] - eps[:, :, :3].sum(1, keepdim=True) / mask.sum(1, keepdim=True) * mask
        z = alpha * xh + sigma * eps
        out = net(t_int.view(bs, 1) / 1000, z, mask, edge_mask)
        loss = ((eps - out) ** 2).sum((1, 2)).mean()
        loss.backward()
        max_norm = 1.5 * statistics.mean(queue) + 2 * (statistics.pstdev(queue) if len(queue) > 1 else 0.0)
        norm = torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=max_norm, norm_type=2.0).item()
        queue.append(min(norm, max_norm)); queue = queue[-50:]
        opt.step()
        with torch.no_grad():
            for e, p in zip(ema, net.parameters()):
                e.mul_(0.999).add_(p, alpha=0.001)
        times.append(time.perf_counter() - start)
        print(f"step {step + 1}: {times[-1] * 1000:.1f} ms (padded {xh.shape[1]}, loss {loss.item():.3f})", flush=True)
    tail = sorted(times[steps // 2:])
    params = sum(p.numel() for p in net.parameters())
    with open("/proc/self/status") as f:
        hwm = [l for l in f if l.startswith("VmHWM")][0].split()[1]
    print(f"reference EDM step, {size} (nf {nf}, {layers} layers, {params:,} parameters), batch {bs}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads: median of steps {steps // 2 + 1}..{steps} {statistics.median(tail) * 1000:.1f} ms "
          f"(min {tail[0] * 1000:.1f} ms), VmHWM {int(hwm) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
