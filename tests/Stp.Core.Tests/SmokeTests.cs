using NUnit.Framework;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

public class SmokeTests
{
    [Test]
    public void MatmulAndAutogradWork()
    {
        var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2).requires_grad_(true);
        var y = a.matmul(a).sum();
        y.backward();
        Assert.That(y.item<float>(), Is.EqualTo(7 + 10 + 15 + 22));
    }
}
