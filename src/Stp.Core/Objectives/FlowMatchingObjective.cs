using Stp.Codecs;
using Stp.Diffusion;
using Stp.Runtime;
using static TorchSharp.torch;

namespace Stp.Objectives;

/// <summary>
/// Flow matching with the linear interpolant (rectified flow / conditional OT path), velocity prediction:
/// 1. t ~ U(0, 1) per molecule (continuous);
/// 2. z_t = (1 - t) z_0 + t eps on the zero-CoM subspace for coordinates and on the features, with eps_x gamma_N-scaled
///    and CoM-free under StP (the same noise source as diffusion: the prior of a flow is scaled exactly like the prior
///    of a diffusion);
/// 3. the denoiser's output is the velocity v_hat(z_t, t), the target is dz_t / dt = eps - z_0;
/// 4. loss = sum over real (node, channel) entries of (v - v_hat)^2, divided by (3 + L) N_pad as EDM's l2 objective.
/// Categorical features are treated as continuous (the codec's scaled one-hot, as EDM does) and decoded by argmax.
/// x_0-prediction is not implemented (velocity is the documented choice: it is what the Euler and Heun steps integrate).
/// The model's base schedule must be a <see cref="LinearInterpolantSchedule"/>.
/// </summary>
public sealed class FlowMatchingObjective : ITrainingObjective
{
    /// <summary>The objective (it has no settings).</summary>
    public static FlowMatchingObjective Instance { get; } = new();

    /// <summary>The name in model files.</summary>
    public const string ObjectiveName = "flow-matching";

    /// <inheritdoc />
    public string Name => ObjectiveName;

    /// <inheritdoc />
    public PredictionTarget Target => PredictionTarget.Velocity;

    /// <inheritdoc />
    public ObjectiveLoss Loss(DiffusionModel model, ObjectiveInput input)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        if (model.BaseSchedule is not LinearInterpolantSchedule)
            throw new ArgumentException($"Flow matching needs the linear-interpolant path as the model's schedule; the model has {model.BaseSchedule}.", nameof(model));
        using var scope = NewDisposeScope();
        var device = input.NodeMask.device;
        int b = input.Sizes.Count, n = (int)input.NodeMask.shape[1];
        var times = new double[b];
        for (int i = 0; i < b; i++) times[i] = input.Noise.DrawTime(i, input.Step);
        var slots = Enumerable.Range(0, b).Select(i => (long)i).ToArray();
        var eps = input.Noise.Draw(NoisePurpose.ForwardProcess, input.Sizes, n, model.Codec.LatentFeatureCount, slots, input.Step, device);
        var zt = Interpolate(input.Clean, eps, times);
        using var time = tensor(times.Select(t => (float)t).ToArray(), device: device);
        var pred = model.PredictNoise(zt, time, input.NodeMask, input.AtomCounts, input.Context, input.Sizes);
        var errX = ((eps.X - input.Clean.X) - pred.NoiseX).Squared().sum(new long[] { 1, 2 });
        var errH = (((eps.H - input.Clean.H) * input.NodeMask) - pred.NoiseH).Squared().sum(new long[] { 1, 2 });
        var per = errX.Plus(errH).DividedBy((3.0 + model.Codec.LatentFeatureCount) * n);
        return new ObjectiveLoss(per.MoveToOuterDisposeScope(), times);
    }

    /// <summary>z_t = (1 - t) z_0 + t eps per molecule (times in [0, 1]).</summary>
    internal static LatentBatch Interpolate(LatentBatch clean, LatentBatch noise, IReadOnlyList<double> times)
    {
        using var scope = NewDisposeScope();
        var device = clean.X.device;
        var t = DiffusionModel.PerMolecule(times, device);
        var keep = DiffusionModel.PerMolecule(times.Select(v => 1 - v), device);
        var zx = (keep * clean.X).Plus(t * noise.X);
        var zh = (keep * clean.H).Plus(t * noise.H);
        return new LatentBatch(zx.MoveToOuterDisposeScope(), zh.MoveToOuterDisposeScope());
    }
}
