using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Graphs;

/// <summary>
/// Caches <see cref="MolecularGraph"/>s by the batch's atom-count signature (counts, padded size, device), so the
/// 1000 steps of a sampling run build their edge lists once. Least recently used graphs are evicted beyond
/// <see cref="Capacity"/> entries (training batches rarely repeat a signature).
/// </summary>
internal sealed class MolecularGraphCache : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, MolecularGraph Graph)>> _map = new();
    private readonly LinkedList<(string Key, MolecularGraph Graph)> _order = new();

    public MolecularGraphCache(int capacity = 16) => Capacity = capacity;

    public int Capacity { get; }

    public int Count { get { lock (_gate) return _map.Count; } }

    public MolecularGraph Get(long[] atomCounts, int paddedSize, Device device)
    {
        var key = $"{device}|{paddedSize}|{string.Join(',', atomCounts)}";
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var hit))
            {
                _order.Remove(hit);
                _order.AddFirst(hit);
                return hit.Value.Graph;
            }
            var graph = MolecularGraph.Build(atomCounts, paddedSize, device);
            _map[key] = _order.AddFirst((key, graph));
            while (_map.Count > Capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
                last.Value.Graph.Dispose();
            }
            return graph;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var (_, g) in _order) g.Dispose();
            _order.Clear();
            _map.Clear();
        }
    }
}
