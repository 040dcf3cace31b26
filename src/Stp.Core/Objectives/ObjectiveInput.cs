using Stp.Codecs;
using Stp.Diffusion;
using static TorchSharp.torch;

namespace Stp.Objectives;

/// <summary>What an <see cref="ITrainingObjective"/> sees of a training batch.</summary>
/// <param name="Clean">The clean latent z_0 (the codec's encoding, plus its own latent noise).</param>
/// <param name="NodeMask">[B, N, 1].</param>
/// <param name="AtomCounts">[B] int64.</param>
/// <param name="Sizes">Atom counts on the host.</param>
/// <param name="Context">Optional per-node context [B, N, C].</param>
/// <param name="Noise">The run's noise source (applies gamma_N to coordinate noise).</param>
/// <param name="Step">The training step (keys every draw, so a resumed run continues exactly).</param>
public sealed record ObjectiveInput(LatentBatch Clean, Tensor NodeMask, Tensor AtomCounts, IReadOnlyList<int> Sizes,
    Tensor? Context, MoleculeNoise Noise, long Step);
