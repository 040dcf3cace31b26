using Stp.Chemistry;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Data;

/// <summary>
/// A padded tensor batch of molecules: positions [B, N, 3] (Angstrom, zero centre of mass per molecule),
/// unnormalised features [B, N, F] (<see cref="AtomFeatures"/>), node mask [B, N, 1], atom counts [B] and optional
/// context [B, N, C]. Real atoms come first in each molecule. Dispose it (or create it inside a dispose scope).
/// </summary>
public sealed class MoleculeBatch : IDisposable
{
    private MoleculeBatch(Tensor positions, Tensor features, Tensor nodeMask, Tensor atomCounts, Tensor? context, int[] sizes, IReadOnlyList<int> ids)
    {
        Positions = positions; Features = features; NodeMask = nodeMask; AtomCounts = atomCounts; Context = context;
        Sizes = sizes; MoleculeIds = ids;
    }

    /// <summary>Positions [B, N, 3], zero on padding.</summary>
    public Tensor Positions { get; }
    /// <summary>Unnormalised features [B, N, F] (one-hot, then Z if included), zero on padding.</summary>
    public Tensor Features { get; }
    /// <summary>Node mask [B, N, 1].</summary>
    public Tensor NodeMask { get; }
    /// <summary>Atom counts [B] (int64).</summary>
    public Tensor AtomCounts { get; }
    /// <summary>Optional context [B, N, C].</summary>
    public Tensor? Context { get; }
    /// <summary>Atom counts on the CPU.</summary>
    public IReadOnlyList<int> Sizes { get; }
    /// <summary>Caller-defined identifier of each molecule (e.g. its index in the dataset or the sampling run).</summary>
    public IReadOnlyList<int> MoleculeIds { get; }
    /// <summary>Batch size B.</summary>
    public int Count => Sizes.Count;
    /// <summary>Padded node count N.</summary>
    public int PaddedSize => (int)Positions.shape[1];

    /// <summary>
    /// Builds a batch on <paramref name="device"/>, padded to the largest molecule (or to <paramref name="padTo"/>).
    /// Positions are centred. Throws with the offending molecule's index for zero atoms, non-finite coordinates or
    /// elements outside the vocabulary.
    /// </summary>
    public static MoleculeBatch Create(IReadOnlyList<Molecule> molecules, AtomFeatures features, Device? device = null,
        int? padTo = null, IReadOnlyList<int>? moleculeIds = null, Func<Molecule, float[]>? context = null)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        if (molecules.Count == 0) throw new ArgumentException("A batch needs at least one molecule.", nameof(molecules));
        int b = molecules.Count, f = features.Count;
        var sizes = new int[b];
        for (int i = 0; i < b; i++)
        {
            var m = molecules[i];
            string name = m.Id is { } id ? $"molecule {i} (id {id})" : $"molecule {i}";
            if (m.AtomCount == 0) throw new ArgumentException($"{name} has zero atoms.", nameof(molecules));
            if (!m.HasFiniteCoordinates) throw new ArgumentException($"{name} has NaN or infinite coordinates.", nameof(molecules));
            if (!m.HasPlausibleCoordinates) throw new ArgumentException($"{name} has a coordinate beyond {Molecule.MaxCoordinate:N0} Angstrom.", nameof(molecules));
            foreach (var z in m.AtomicNumbers)
                if (features.Vocabulary.IndexOf(z) < 0)
                    throw new ArgumentException($"{name} contains element Z={z}, which is not in the '{features.Vocabulary.Name}' vocabulary.", nameof(molecules));
            sizes[i] = m.AtomCount;
        }
        int n = sizes.Max();
        if (padTo is int p)
        {
            if (p < n) throw new ArgumentOutOfRangeException(nameof(padTo), p, $"Cannot pad to {p} atoms: the batch holds a molecule with {n}.");
            n = p;
        }
        int c = context is null ? 0 : context(molecules[0]).Length;
        var pos = new float[b * n * 3];
        var feat = new float[b * n * f];
        var mask = new float[b * n];
        var ctx = c > 0 ? new float[b * n * c] : null;
        for (int i = 0; i < b; i++)
        {
            var m = molecules[i].Centered();
            var cv = context?.Invoke(molecules[i]);
            if (cv is not null && cv.Length != c) throw new ArgumentException($"molecule {i}: context has {cv.Length} values, expected {c}.", nameof(context));
            for (int a = 0; a < m.AtomCount; a++)
            {
                int node = i * n + a;
                for (int d = 0; d < 3; d++) pos[node * 3 + d] = (float)m.Positions[3 * a + d];
                features.Encode(m.AtomicNumbers[a], feat.AsSpan(node * f, f));
                mask[node] = 1f;
                if (ctx is not null) cv!.CopyTo(ctx, node * c);
            }
        }
        var dev = device ?? CPU;
        var ids = moleculeIds ?? Enumerable.Range(0, b).ToArray();
        return new MoleculeBatch(
            tensor(pos, new long[] { b, n, 3 }, device: dev),
            tensor(feat, new long[] { b, n, f }, device: dev),
            tensor(mask, new long[] { b, n, 1 }, device: dev),
            tensor(sizes.Select(s => (long)s).ToArray(), device: dev),
            ctx is null ? null : tensor(ctx, new long[] { b, n, c }, device: dev),
            sizes, ids);
    }

    /// <summary>Moves every tensor out of the current dispose scope (so the batch outlives it).</summary>
    public MoleculeBatch MoveToOuterDisposeScope()
    {
        Positions.MoveToOuterDisposeScope(); Features.MoveToOuterDisposeScope(); NodeMask.MoveToOuterDisposeScope();
        AtomCounts.MoveToOuterDisposeScope(); Context?.MoveToOuterDisposeScope();
        return this;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Positions.Dispose(); Features.Dispose(); NodeMask.Dispose(); AtomCounts.Dispose(); Context?.Dispose();
    }
}
