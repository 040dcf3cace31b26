using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

/// <summary>No tensor outlives a call: the live tensor count is flat over repeated forward and forward+backward passes.</summary>
public class LifetimeTests
{
    [Test]
    public void RepeatedCallsLeaveNoLiveTensors()
    {
        using var fx = EgnnFixture.Conditional();
        using var model = fx.LoadFromNpz();
        var input = fx.Input();
        void Step(bool train)
        {
            using var scope = torch.NewDisposeScope();
            if (train)
            {
                var o = model.Predict(input);
                (o.NoiseX.square().sum() + o.NoiseH.square().sum()).backward();
            }
            else
            {
                using var noGrad = torch.no_grad();
                model.Predict(input);
            }
        }
        Step(true);
        Step(false);
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++) { Step(true); Step(false); }
        Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(live));
    }
}
