using Stp.Chemistry;

namespace Stp.Sampling;

/// <summary>
/// One finished batch of a sampling run, as <see cref="DiffusionSampler.SampleBatches"/> yields it: callers can write
/// it out before the next batch starts, so a failure later in a long run loses at most the batch in progress.
/// </summary>
/// <param name="Index">Position of the batch in the plan's execution order (0-based).</param>
/// <param name="BatchCount">Batches in the plan.</param>
/// <param name="Batch">The plan's batch (molecule ids, sizes, contexts).</param>
/// <param name="Molecules">The molecules of the batch, in the order of <see cref="SamplingBatch.MoleculeIds"/>.</param>
/// <param name="MoleculesDone">Molecules finished so far, this batch included.</param>
/// <param name="MoleculesTotal">Molecules in the plan's batches (all of a run, or those of a shard).</param>
public sealed record SampledBatch(int Index, int BatchCount, SamplingBatch Batch, IReadOnlyList<Molecule> Molecules, int MoleculesDone, int MoleculesTotal);
