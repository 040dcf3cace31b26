namespace Stp.Sampling;

/// <summary>
/// How the molecules of a sampling run are grouped into padded batches. <see cref="Efficient"/> (the default, paper
/// appendix D.1) sorts the drawn sizes and pads each batch only to its own maximum; <see cref="DatasetPadding"/> keeps
/// EDM's original behaviour (unsorted batches padded to the dataset maximum) for comparison. Because noise is drawn
/// per molecule, both plans give the same molecules for the same seed.
/// </summary>
public sealed class SamplingPlan
{
    private SamplingPlan(IReadOnlyList<int> sizes, IReadOnlyList<SamplingBatch> batches, IReadOnlyList<float[]>? contexts)
    {
        Sizes = sizes; Batches = batches; Contexts = contexts;
    }

    /// <summary>Atom count of every molecule of the run, in molecule-id order.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>Normalised context of every molecule (conditional models), in molecule-id order; null when unconditional.</summary>
    public IReadOnlyList<float[]>? Contexts { get; }

    /// <summary>The batches, in execution order.</summary>
    public IReadOnlyList<SamplingBatch> Batches { get; }

    /// <summary>Which shard of a whole run this plan is: (index, count); (0, 1) for a whole run.</summary>
    public (int Index, int Count) ShardOf { get; private init; } = (0, 1);

    /// <summary>Ids of the molecules this plan samples, ascending (all of <see cref="Sizes"/> unless it is a shard).</summary>
    public IReadOnlyList<int> MoleculeIds => Batches.SelectMany(b => b.MoleculeIds).Order().ToArray();

    /// <summary>
    /// Shard <paramref name="index"/> of <paramref name="count"/> of this run, for job arrays: the same global plan
    /// (sizes, contexts, molecule ids, batches) keeping every batch j with j mod count = index. A molecule's noise depends
    /// only on (seed, id, step) and each batch is computed exactly as in the whole run, so the shards' molecules together
    /// are the whole run's molecules, bit for bit; merge them in id order.
    /// </summary>
    public SamplingPlan Shard(int index, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of shards must be at least 1.");
        if (index < 0 || index >= count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The shard index must be in 0..{count - 1}.");
        if (ShardOf.Count != 1) throw new InvalidOperationException("This plan is already a shard.");
        var batches = Batches.Where((_, j) => j % count == index).ToArray();
        return new SamplingPlan(Sizes, batches, Contexts) { ShardOf = (index, count) };
    }

    /// <summary>Total padded node slots (sum over batches of B x N_pad): what the padding costs.</summary>
    public long PaddedNodeSlots => Batches.Sum(b => (long)b.Sizes.Count * b.PaddedSize);

    /// <summary>Total real edges (sum over molecules of N (N - 1)): the same for every plan of the same sizes.</summary>
    public long RealEdges => Batches.Sum(b => b.RealEdges);

    /// <summary>
    /// The default cap on the real edges of an efficient batch (<see cref="SamplingBatch.RealEdges"/>), 8,192 atom
    /// pairs, chosen on a CPU: over 1,000 molecules with the released EGNNs, caps of 8,192 / 16,384 / 32,768 / none
    /// took 10.6 / 11.8 / 13.2 / 14.5 s per QM9 molecule and 31.4 / 32.1 / 41.3 / 67.6 s per GEOM-Drugs molecule at
    /// 1000 steps (benchmarks/README.md): the [E, nf] edge tensors of a capped batch stay in the caches. QM9's sorted
    /// batches of 100 then hold 26 molecules of 18 atoms (306 pairs each); a GEOM-Drugs molecule of 44 atoms shares a batch with
    /// three others. On a GPU, where larger batches fill the device, pass a larger cap or null (not measured here).
    /// </summary>
    public const long DefaultMaxEdgesPerBatch = 8_192;

    /// <summary>
    /// Sorted sizes, consecutive batches, each padded to its own maximum (paper D.1). A batch closes when it holds
    /// <paramref name="batchSize"/> molecules, or before its real edges (sum of N_i (N_i - 1)) would exceed
    /// <paramref name="maxEdgesPerBatch"/> (default <see cref="DefaultMaxEdgesPerBatch"/>; null: no cap), or its atoms
    /// <paramref name="maxAtomsPerBatch"/>; every batch holds at least one molecule. Fully connected backbones do the same
    /// work per molecule in any batch, and run faster on batches whose edge tensors fit the caches.
    /// </summary>
    /// <param name="sizes">Atom count of each molecule.</param>
    /// <param name="batchSize">Molecules per batch at most.</param>
    /// <param name="maxAtomsPerBatch">Optional cap on the atoms of a batch.</param>
    /// <param name="contexts">Normalised context of each molecule, for conditional models (same order as <paramref name="sizes"/>).</param>
    /// <param name="maxEdgesPerBatch">Cap on the real edges of a batch; null for none.</param>
    public static SamplingPlan Efficient(IReadOnlyList<int> sizes, int batchSize, int? maxAtomsPerBatch = null, IReadOnlyList<float[]>? contexts = null,
        long? maxEdgesPerBatch = DefaultMaxEdgesPerBatch)
    {
        Validate(sizes, batchSize, contexts);
        if (maxAtomsPerBatch is < 1) throw new ArgumentOutOfRangeException(nameof(maxAtomsPerBatch), maxAtomsPerBatch, "The atom cap must be at least 1.");
        if (maxEdgesPerBatch is < 1) throw new ArgumentOutOfRangeException(nameof(maxEdgesPerBatch), maxEdgesPerBatch, "The edge cap must be at least 1.");
        var order = Enumerable.Range(0, sizes.Count).OrderBy(i => sizes[i]).ThenBy(i => i).ToArray();
        var batches = new List<SamplingBatch>();
        var current = new List<int>();
        long atoms = 0, edges = 0;
        foreach (var i in order)
        {
            long n = sizes[i];
            if (current.Count > 0 && (current.Count == batchSize || atoms + n > (maxAtomsPerBatch ?? int.MaxValue)
                || edges + n * (n - 1) > (maxEdgesPerBatch ?? long.MaxValue)))
            {
                batches.Add(Batch(current, sizes, contexts));
                current = new List<int>(); atoms = 0; edges = 0;
            }
            current.Add(i); atoms += n; edges += n * (n - 1);
        }
        batches.Add(Batch(current, sizes, contexts));
        return new SamplingPlan(sizes.ToArray(), batches, contexts?.ToArray());
    }

    private static SamplingBatch Batch(List<int> ids, IReadOnlyList<int> sizes, IReadOnlyList<float[]>? contexts)
    {
        var sz = ids.Select(i => sizes[i]).ToArray();
        return new SamplingBatch(ids.ToArray(), sz, sz.Max(), contexts is null ? null : ids.Select(i => contexts[i]).ToArray());
    }

    /// <summary>EDM's plan: batches in draw order, every batch padded to <paramref name="maxAtoms"/>.</summary>
    /// <param name="sizes">Atom count of each molecule.</param>
    /// <param name="batchSize">Molecules per batch.</param>
    /// <param name="maxAtoms">The dataset maximum every batch is padded to.</param>
    /// <param name="contexts">Normalised context of each molecule, for conditional models.</param>
    public static SamplingPlan DatasetPadding(IReadOnlyList<int> sizes, int batchSize, int maxAtoms, IReadOnlyList<float[]>? contexts = null)
    {
        Validate(sizes, batchSize, contexts);
        if (sizes.Max() > maxAtoms) throw new ArgumentOutOfRangeException(nameof(maxAtoms), maxAtoms, $"A molecule with {sizes.Max()} atoms does not fit the dataset maximum {maxAtoms}.");
        var batches = new List<SamplingBatch>();
        for (int s = 0; s < sizes.Count; s += batchSize)
        {
            var ids = Enumerable.Range(s, Math.Min(batchSize, sizes.Count - s)).ToArray();
            batches.Add(new SamplingBatch(ids, ids.Select(i => sizes[i]).ToArray(), maxAtoms, contexts is null ? null : ids.Select(i => contexts[i]).ToArray()));
        }
        return new SamplingPlan(sizes.ToArray(), batches, contexts?.ToArray());
    }

    private static void Validate(IReadOnlyList<int> sizes, int batchSize, IReadOnlyList<float[]>? contexts)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (contexts is not null)
        {
            if (contexts.Count != sizes.Count) throw new ArgumentException($"{contexts.Count} contexts for {sizes.Count} molecules.", nameof(contexts));
            for (int i = 0; i < contexts.Count; i++)
            {
                if (contexts[i] is null || contexts[i].Length != contexts[0].Length)
                    throw new ArgumentException($"Molecule {i}: context has {contexts[i]?.Length ?? 0} values, molecule 0 has {contexts[0]?.Length ?? 0}.", nameof(contexts));
                if (contexts[i].Any(v => !float.IsFinite(v))) throw new ArgumentException($"Molecule {i}: context is not finite.", nameof(contexts));
            }
        }
        if (sizes.Count == 0) throw new ArgumentException("Nothing to sample: no sizes given.", nameof(sizes));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be at least 1.");
        for (int i = 0; i < sizes.Count; i++)
            if (sizes[i] < 1) throw new ArgumentOutOfRangeException(nameof(sizes), sizes[i], $"Molecule {i} has an impossible size {sizes[i]}.");
    }
}
