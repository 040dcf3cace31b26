using System.Runtime.InteropServices;
using NUnit.Framework;
using Stp.Runtime;
using Stp.Testing;

namespace Stp.Core.Tests;

[TestFixture]
public class TorchRuntimeTests
{
    // What TorchSharp 0.107 throws on its first call when the application has no native runtime package.
    private static Exception TorchSharpWithoutRuntime() => new TypeInitializationException("TorchSharp.torch",
        new NotSupportedException("This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64, Version=2.10.0.0.\n\nConsider referencing ..."));

    [Test]
    public void EnsureAvailable_WithTheRuntimeReferenced_Returns() => Assert.DoesNotThrow(TorchRuntime.EnsureAvailable);

    [TestCase("cpu", true, null)]
    [TestCase(" CPU ", true, null)]
    [TestCase("cuda", true, -1)]
    [TestCase("cuda:0", true, 0)]
    [TestCase("CUDA:12", true, 12)]
    [TestCase("cuda:", false, null)]
    [TestCase("cuda:-1", false, null)]
    [TestCase("cuda:+1", false, null)]
    [TestCase("cuda:1.0", false, null)]
    [TestCase("cuda:99999999999", false, null)]
    [TestCase("gpu", false, null)]
    [TestCase("", false, null)]
    public void DeviceNames_AreCpuCudaOrCudaN(string name, bool valid, int? index)
    {
        Assert.That(TorchRuntime.TryParseDeviceName(name, out var parsed), Is.EqualTo(valid));
        Assert.That(parsed, Is.EqualTo(index));
    }

    [Test]
    public void ResolveDevice_GivesTheCpu_AndExplainsAMissingCudaOrAnUnknownName()
    {
        Assert.That(TorchRuntime.ResolveDevice("cpu").type, Is.EqualTo(TorchSharp.DeviceType.CPU));
        Assert.That(() => TorchRuntime.ResolveDevice("tpu"), Throws.ArgumentException.With.Message.Contains("Unknown device 'tpu' (cpu, cuda, cuda:N)"));
        if (TorchSharp.torch.cuda.is_available())
        {
            Assert.That(TorchRuntime.ResolveDevice("cuda:0").index, Is.EqualTo(0));
            int count = TorchSharp.torch.cuda.device_count();
            Assert.That(() => TorchRuntime.ResolveDevice($"cuda:{count}"), Throws.ArgumentException.With.Message.Contains($"{count} CUDA device"));
            return;
        }
        foreach (var name in new[] { "cuda", "cuda:1" })
            Assert.That(() => TorchRuntime.ResolveDevice(name), Throws.ArgumentException.With.Message.Contains($"Device '{name}': CUDA is not available")
                .And.Message.Contains("CPU build of libtorch").And.Message.Contains("-p:StpCuda=true"));
    }

    [Test]
    public void MissingNativeRuntime_IsRecognised_InTypeInitialisationAndDllNotFoundErrors_NotInOthers()
    {
        Assert.That(TorchRuntime.IsMissingNativeRuntime(TorchSharpWithoutRuntime()), Is.True);
        Assert.That(TorchRuntime.IsMissingNativeRuntime(new DllNotFoundException("Unable to load shared library 'LibTorchSharp'")), Is.True);
        Assert.That(TorchRuntime.IsMissingNativeRuntime(new TypeInitializationException("X", new DllNotFoundException("LibTorchSharp"))), Is.True);
        Assert.That(TorchRuntime.IsMissingNativeRuntime(new NotSupportedException("Unsupported dtype")), Is.False);
        Assert.That(TorchRuntime.IsMissingNativeRuntime(new InvalidOperationException("libtorch")), Is.False);
    }

    [Test]
    public void Message_NamesThePackageForThePlatform_TheVersions_AndTheCudaAlternative()
    {
        var linux = TorchRuntime.MissingRuntimeMessage(TorchSharpWithoutRuntime(), null, OSPlatform.Linux, Architecture.X64);
        Assert.That(linux, Does.Contain("dotnet add package libtorch-cpu-linux-x64 --version 2.10.0"));
        Assert.That(linux, Does.Contain("TorchSharp-cpu --version 0.107.0"));
        Assert.That(linux, Does.Contain("libtorch-cuda-12.8-linux-x64 --version 2.10.0"));
        Assert.That(linux, Does.Contain("references no native runtime package"));
        Assert.That(linux, Does.EndWith("TorchSharp said: This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64, Version=2.10.0.0."), "the cause's first line only");

        var windows = TorchRuntime.MissingRuntimeMessage(TorchSharpWithoutRuntime(), null, OSPlatform.Windows, Architecture.X64);
        Assert.That(windows, Does.Contain("dotnet add package libtorch-cpu-win-x64 --version 2.10.0"));
        Assert.That(windows, Does.Contain("TorchSharp-cuda-windows --version 0.107.0"));
        var mac = TorchRuntime.MissingRuntimeMessage(TorchSharpWithoutRuntime(), null, OSPlatform.OSX, Architecture.Arm64);
        Assert.That(mac, Does.Contain("dotnet add package libtorch-cpu-osx-arm64 --version 2.10.0"));
        var other = TorchRuntime.MissingRuntimeMessage(TorchSharpWithoutRuntime(), null, OSPlatform.Linux, Architecture.Arm64);
        Assert.That(other, Does.Contain("dotnet add package TorchSharp-cpu --version 0.107.0"));
    }

    [Test]
    public void Message_WhenLibTorchIsInTheFolder_SaysLibTorchSharpDidNotLoad_AndPointsAtThePatch()
    {
        using var dir = new TempFolder();
        var native = Path.Combine(dir.Path, "runtimes", "linux-x64", "native");
        Directory.CreateDirectory(native);
        File.WriteAllBytes(Path.Combine(native, "libLibTorchSharp.so"), [0]); // the managed TorchSharp package brings this one
        Assert.That(TorchRuntime.FindLibTorch(dir.Path), Is.Null, "no libtorch: no runtime package");
        File.WriteAllBytes(Path.Combine(native, "libtorch_cpu.so"), [0]);
        var found = TorchRuntime.FindLibTorch(dir.Path);
        Assert.That(found, Is.EqualTo(Path.Combine(native, "libtorch_cpu.so")));

        var message = TorchRuntime.MissingRuntimeMessage(new DllNotFoundException("libstdc++.so.6: version `GLIBCXX_3.4.32' not found"), found, OSPlatform.Linux, Architecture.X64);
        Assert.That(message, Does.Contain($"libtorch is there ({found}) but LibTorchSharp did not load"));
        Assert.That(message, Does.Contain("StpPatchLibTorchSharp"));
        Assert.That(message, Does.EndWith("GLIBCXX_3.4.32' not found"));
    }
}
