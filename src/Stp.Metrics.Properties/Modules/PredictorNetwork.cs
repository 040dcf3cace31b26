using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Metrics.Properties.Modules;

/// <summary>A predictor network: one normalised property value per molecule, [B].</summary>
internal abstract class PredictorNetwork : nn.Module
{
    protected PredictorNetwork(string name) : base(name) { }

    public abstract Tensor Forward(PredictorBatch batch);

    /// <summary>Builds the network of <paramref name="options"/> (call torch.manual_seed first for seeded weights).</summary>
    public static PredictorNetwork Create(PredictorOptions options, int featureCount) => options.Kind switch
    {
        PredictorKind.Egnn => new PropertyEgnn(options, featureCount),
        PredictorKind.NumNodes => new NumNodesRegressor(),
        PredictorKind.Naive => new ConstantRegressor(),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "Unknown predictor kind."),
    };
}
