using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Metrics.Properties.Modules;

/// <summary>EDM's 'numnodes' baseline (<c>NumNodes</c>): linear2(SiLU(linear1(N / 29))), nf 128.</summary>
internal sealed class NumNodesRegressor : PredictorNetwork
{
    private readonly Linear linear1;
    private readonly Linear linear2;

    public NumNodesRegressor() : base("NumNodes")
    {
        linear1 = nn.Linear(1, 128);
        linear2 = nn.Linear(128, 1);
        register_module("linear1", linear1);
        register_module("linear2", linear2);
    }

    public override Tensor Forward(PredictorBatch batch)
    {
        using var scope = NewDisposeScope();
        return linear2.call(F.silu(linear1.call(batch.SizeFraction))).squeeze(1).MoveToOuterDisposeScope();
    }
}
