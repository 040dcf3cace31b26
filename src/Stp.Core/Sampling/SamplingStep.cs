using Stp.Codecs;
using static TorchSharp.torch;

namespace Stp.Sampling;

/// <summary>One reverse step seen by an <see cref="ISamplingObserver"/>.</summary>
/// <param name="Step">Integer time t of the network call (T..0; 0 is the final p(x,h|z_0) step).</param>
/// <param name="Timesteps">T.</param>
/// <param name="PredictedPositions">x_hat_0 decoded by the codec, in Angstrom, float32 [B, N, 3], zero CoM.</param>
/// <param name="PredictedClassScores">Decoded atom-class scores of the prediction [B, N, K] (argmax = atom class).</param>
/// <param name="PredictedLatent">The prediction in the diffusion space, (z_t - sigma_t eps_hat) / alpha_t.</param>
/// <param name="NodeMask">[B, N, 1].</param>
/// <param name="AtomCounts">Atom count of each molecule [B] (int64).</param>
/// <param name="MoleculeIds">Index of each molecule in the whole sampling run (the order of the returned molecules).</param>
public sealed record SamplingStep(int Step, int Timesteps, Tensor PredictedPositions, Tensor PredictedClassScores,
    LatentBatch PredictedLatent, Tensor NodeMask, Tensor AtomCounts, IReadOnlyList<int> MoleculeIds);
