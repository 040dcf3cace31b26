namespace Stp.Sampling;

/// <summary>
/// Where a sampling run is, reported by <see cref="DiffusionSampler.StepProgress"/> after every reverse step of every
/// batch, so that a long run can show per-step progress and an ETA (a batch of 100 molecules over 1000 steps takes
/// minutes on a CPU; reporting per finished batch would leave the display still that long).
/// </summary>
/// <param name="BatchIndex">Position of the batch in the plan's execution order (0-based).</param>
/// <param name="BatchCount">Batches in the plan (or the shard).</param>
/// <param name="Batch">The batch being sampled (its molecule count and padded size give its cost).</param>
/// <param name="Step">Reverse steps done in this batch, 1..<paramref name="StepsPerBatch"/>.</param>
/// <param name="StepsPerBatch">Reverse steps of every batch (K, the grid's steps; the final p(x, h | z_0) step of a
/// diffusion model and the decoding follow the last one).</param>
/// <param name="MoleculesDone">Molecules of the batches finished before this one.</param>
/// <param name="MoleculesTotal">Molecules in the plan's batches.</param>
public sealed record SamplingProgress(int BatchIndex, int BatchCount, SamplingBatch Batch, int Step, int StepsPerBatch, int MoleculesDone, int MoleculesTotal)
{
    /// <summary>Reverse steps done over the whole run, counting every batch's steps alike.</summary>
    public long StepsDone => (long)BatchIndex * StepsPerBatch + Step;

    /// <summary>Reverse steps of the whole run.</summary>
    public long StepsTotal => (long)BatchCount * StepsPerBatch;
}
