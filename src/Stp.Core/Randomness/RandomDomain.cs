namespace Stp.Randomness;

/// <summary>The disjoint namespaces of <see cref="CounterRandom"/>: one per use of randomness in a run.</summary>
internal enum RandomDomain
{
    /// <summary>Sampling noise: prior z_T, every reverse step, the final draw (stream = molecule id, step = t).</summary>
    Sampling = 0,
    /// <summary>Forward-process noise of training (stream = batch slot, step = training step).</summary>
    ForwardProcess = 1,
    /// <summary>Diffusion time of each training molecule (stream = batch slot, step = training step).</summary>
    TrainingTime = 2,
    /// <summary>Epoch shuffles of the training set (stream = epoch).</summary>
    Shuffle = 3,
    /// <summary>Molecule sizes drawn from p(N) (stream = molecule index).</summary>
    Sizes = 4,
    /// <summary>The latent codec's own noise (GeoLDM/RADM sigma_0; never scaled by gamma_N).</summary>
    Latent = 5,
    /// <summary>Context values drawn for conditional sampling (stream = molecule index).</summary>
    Context = 6,
    /// <summary>Dataset splits (stream 0 = QM9 validation, 1 = GEOM permutation, 2 = the property halves of conditional generation).</summary>
    Split = 7,
}
