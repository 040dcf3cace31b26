using Stp.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Samples.CustomBackbone;

/// <summary>
/// A minimal custom backbone: an E(3)-equivariant "radial" denoiser. Each atom's noise prediction is a learned
/// function of its distance to the molecule's centre times its position vector (equivariant), and its feature noise a
/// function of (features, distance, t) (invariant). Implementing <see cref="IDenoiser"/> is all it takes to get StP,
/// training, efficient sampling and metrics.
/// </summary>
public sealed class RadialDenoiser : nn.Module<DenoiserInput, DenoiserOutput>, IDenoiser
{
    private readonly Sequential radial, features;

    public RadialDenoiser(int featureCount, int hidden = 64) : base(nameof(RadialDenoiser))
    {
        FeatureCount = featureCount;
        radial = nn.Sequential(nn.Linear(featureCount + 2, hidden), nn.SiLU(), nn.Linear(hidden, 1));
        features = nn.Sequential(nn.Linear(featureCount + 2, hidden), nn.SiLU(), nn.Linear(hidden, featureCount));
        RegisterComponents();
    }

    public nn.Module Module => this;
    public int FeatureCount { get; }
    public int ContextCount => 0;
    public DenoiserOutput Predict(DenoiserInput input) => forward(input);

    public override DenoiserOutput forward(DenoiserInput input)
    {
        var r = input.Positions.pow(2).sum(-1, keepdim: true);                         // squared distance to the centre (invariant)
        var t = input.Time.view(-1, 1, 1).expand_as(r);
        var invariants = cat(new[] { input.Features, r, t }, -1);
        var epsX = input.Positions * radial.forward(invariants) * input.NodeMask;       // scalar x vector: equivariant
        var epsH = features.forward(invariants) * input.NodeMask;
        return new DenoiserOutput(epsX, epsH);
    }
}
