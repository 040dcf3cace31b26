namespace Stp.Sampling;

/// <summary>
/// How the molecules of a sampling run are grouped into padded batches. <see cref="Efficient"/> (the default, paper
/// appendix D.1) sorts the drawn sizes and pads each batch only to its own maximum; <see cref="DatasetPadding"/> keeps
/// EDM's original behaviour (unsorted batches padded to the dataset maximum) for comparison. Because noise is drawn
/// per molecule, both plans give the same molecules for the same seed.
/// </summary>
public sealed class SamplingPlan
{
    private SamplingPlan(IReadOnlyList<int> sizes, IReadOnlyList<SamplingBatch> batches) { Sizes = sizes; Batches = batches; }

    /// <summary>Atom count of every molecule of the run, in molecule-id order.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>The batches, in execution order.</summary>
    public IReadOnlyList<SamplingBatch> Batches { get; }

    /// <summary>Total padded node slots (sum over batches of B x N_pad): what the padding costs.</summary>
    public long PaddedNodeSlots => Batches.Sum(b => (long)b.Sizes.Count * b.PaddedSize);

    /// <summary>
    /// Sorted sizes, consecutive batches, each padded to its own maximum (paper D.1). With
    /// <paramref name="maxAtomsPerBatch"/> a batch also closes before its atom total would exceed that cap (at least
    /// one molecule per batch): on CPU, fully connected backbones run faster on batches whose edge tensors fit the caches.
    /// </summary>
    public static SamplingPlan Efficient(IReadOnlyList<int> sizes, int batchSize, int? maxAtomsPerBatch = null)
    {
        Validate(sizes, batchSize);
        if (maxAtomsPerBatch is < 1) throw new ArgumentOutOfRangeException(nameof(maxAtomsPerBatch), maxAtomsPerBatch, "The atom cap must be at least 1.");
        var order = Enumerable.Range(0, sizes.Count).OrderBy(i => sizes[i]).ThenBy(i => i).ToArray();
        var batches = new List<SamplingBatch>();
        var current = new List<int>();
        int atoms = 0;
        foreach (var i in order)
        {
            if (current.Count > 0 && (current.Count == batchSize || atoms + sizes[i] > (maxAtomsPerBatch ?? int.MaxValue)))
            {
                batches.Add(Batch(current, sizes));
                current = new List<int>(); atoms = 0;
            }
            current.Add(i); atoms += sizes[i];
        }
        batches.Add(Batch(current, sizes));
        return new SamplingPlan(sizes.ToArray(), batches);
    }

    private static SamplingBatch Batch(List<int> ids, IReadOnlyList<int> sizes)
    {
        var sz = ids.Select(i => sizes[i]).ToArray();
        return new SamplingBatch(ids.ToArray(), sz, sz.Max());
    }

    /// <summary>EDM's plan: batches in draw order, every batch padded to <paramref name="maxAtoms"/>.</summary>
    public static SamplingPlan DatasetPadding(IReadOnlyList<int> sizes, int batchSize, int maxAtoms)
    {
        Validate(sizes, batchSize);
        if (sizes.Max() > maxAtoms) throw new ArgumentOutOfRangeException(nameof(maxAtoms), maxAtoms, $"A molecule with {sizes.Max()} atoms does not fit the dataset maximum {maxAtoms}.");
        var batches = new List<SamplingBatch>();
        for (int s = 0; s < sizes.Count; s += batchSize)
        {
            var ids = Enumerable.Range(s, Math.Min(batchSize, sizes.Count - s)).ToArray();
            batches.Add(new SamplingBatch(ids, ids.Select(i => sizes[i]).ToArray(), maxAtoms));
        }
        return new SamplingPlan(sizes.ToArray(), batches);
    }

    private static void Validate(IReadOnlyList<int> sizes, int batchSize)
    {
        if (sizes.Count == 0) throw new ArgumentException("Nothing to sample: no sizes given.", nameof(sizes));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be at least 1.");
        for (int i = 0; i < sizes.Count; i++)
            if (sizes[i] < 1) throw new ArgumentOutOfRangeException(nameof(sizes), sizes[i], $"Molecule {i} has an impossible size {sizes[i]}.");
    }
}
