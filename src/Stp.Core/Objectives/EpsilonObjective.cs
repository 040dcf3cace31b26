using Stp.Runtime;
using Stp.Codecs;
using Stp.Diffusion;
using static TorchSharp.torch;

namespace Stp.Objectives;

/// <summary>
/// EDM's l2 epsilon-prediction objective (FACTS 1.5), for any codec:
/// 1. t_int ~ U{0, ..., T} per molecule;
/// 2. z_t = alpha_t z_0 + sigma_t eps, eps_x gamma_N-scaled and CoM-free (paper eq. 10);
/// 3. error = sum over real (node, channel) entries of (eps - eps_hat)^2, divided by (3 + L) N_pad, with N_pad the
///    padded node count of the batch (not the molecule's own N), as EDM's <c>compute_error</c> does in l2 training;
/// 4. loss = 0.5 error for t_int &gt;= 1 (SNR weight 1); for t_int = 0 it is EDM's -log p(x, h | z_0) without
///    constants: 0.5 error_x alone (normalised the same way) when the codec reads h from z_0 (EDM), 0.5 error over x and
///    h when it draws h from the prediction (latent codecs).
/// Terms without a gradient (KL prior, -log p(N), the discretised -log p(h | z_0) of EDM) are not part of the value.
/// </summary>
public sealed class EpsilonObjective : ITrainingObjective
{
    /// <summary>The objective (it has no settings).</summary>
    public static EpsilonObjective Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "epsilon";

    /// <inheritdoc />
    public ObjectiveLoss Loss(DiffusionModel model, ObjectiveInput input)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var device = input.NodeMask.device;
        int b = input.Sizes.Count, n = (int)input.NodeMask.shape[1], T = model.Schedule.Timesteps;
        var tInt = new int[b];
        for (int i = 0; i < b; i++) tInt[i] = input.Noise.DrawTimeStep(i, input.Step, T);
        var z = model.Diffuse(input.Clean, tInt, input.Noise, input.Sizes, input.Step);
        var pred = model.PredictNoise(z.Noisy, (IReadOnlyList<int>)tInt, input.NodeMask, input.AtomCounts, input.Context, input.Sizes);
        var errX = (z.Noise.X - pred.NoiseX).Squared().sum(new long[] { 1, 2 });
        var errH = (z.Noise.H - pred.NoiseH).Squared().sum(new long[] { 1, 2 });
        double denom = (3.0 + model.Codec.LatentFeatureCount) * n;
        var positive = errX.Plus(errH).Times(0.5 / denom);
        var atZero = model.Codec.FinalFeatures == FinalFeatureSource.FromLatent ? errX.Times(0.5 / denom) : positive;
        var isZero = tensor(tInt.Select(t => t == 0).ToArray(), device: device);
        var per = where(isZero, atZero, positive);
        return new ObjectiveLoss(per.MoveToOuterDisposeScope(), tInt.Select(t => (double)t / T).ToArray());
    }
}
