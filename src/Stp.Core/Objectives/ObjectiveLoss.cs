using static TorchSharp.torch;

namespace Stp.Objectives;

/// <summary>The result of an <see cref="ITrainingObjective"/> on one batch.</summary>
/// <param name="PerMolecule">Per-molecule loss [B] (differentiable).</param>
/// <param name="Times">Continuous diffusion time t in [0, 1] drawn for each molecule.</param>
public sealed record ObjectiveLoss(Tensor PerMolecule, IReadOnlyList<double> Times);
