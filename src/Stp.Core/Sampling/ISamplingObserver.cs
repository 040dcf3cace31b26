using static TorchSharp.torch;

namespace Stp.Sampling;

/// <summary>
/// Receives the predicted clean sample (x_hat_t, h_hat_t) at every reverse step of a sampling run. Used by the
/// generation-target alignment analysis (paper eq. 9) without the sampler knowing about metrics.
/// Tensors are only valid during the call (they live in the step's dispose scope): copy what you keep.
/// </summary>
public interface ISamplingObserver
{
    /// <summary>Called once per reverse step, from t = T down to the final step (t = 0).</summary>
    void OnStep(SamplingStep step);
}

/// <summary>One reverse step seen by an <see cref="ISamplingObserver"/>.</summary>
/// <param name="Step">Integer time t of the network call (T..0; 0 is the final p(x,h|z_0) step).</param>
/// <param name="Timesteps">T.</param>
/// <param name="PredictedPositions">x_hat_t = (z_t^x - sigma_t * gamma_N * eps_hat_x) / alpha_t in Angstrom, float32 [B, N, 3], zero CoM.</param>
/// <param name="PredictedFeatures">h_hat_t, unnormalised feature prediction [B, N, F] (one-hot block first: argmax = atom class).</param>
/// <param name="NodeMask">[B, N, 1].</param>
/// <param name="AtomCounts">Atom count of each molecule [B] (int64).</param>
/// <param name="MoleculeIds">Index of each molecule in the whole sampling run (the order of the returned molecules).</param>
public sealed record SamplingStep(int Step, int Timesteps, Tensor PredictedPositions, Tensor PredictedFeatures,
    Tensor NodeMask, Tensor AtomCounts, IReadOnlyList<int> MoleculeIds);
