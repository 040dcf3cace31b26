using static TorchSharp.torch;

namespace Stp.Models;

/// <summary>What a factory may use while a model is rebuilt.</summary>
/// <param name="Device">The device the model is loaded on.</param>
/// <param name="Model">The whole model description (schedule, prior, features, ...).</param>
public sealed record ModelBuildContext(Device Device, ModelDescription Model);
