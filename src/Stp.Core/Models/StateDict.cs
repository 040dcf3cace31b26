using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Models;

/// <summary>Strict state-dict loading shared by model files, checkpoints and PyTorch imports.</summary>
public static class StateDict
{
    /// <summary>
    /// Copies <paramref name="values"/> into <paramref name="module"/>'s parameters and buffers, strictly: every module
    /// entry must be present under <paramref name="prefix"/> with the same shape, and every entry under the prefix must
    /// be used (entries outside it are ignored). Values are converted to the parameter's dtype and device. Nothing is
    /// copied unless everything fits.
    /// </summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="values">Named tensors.</param>
    /// <param name="prefix">Key prefix of the module's entries (e.g. "denoiser." or EDM's "dynamics.").</param>
    /// <param name="source">Names the file in error messages.</param>
    /// <exception cref="StateDictMismatchException">A key is missing, unexpected, or has the wrong shape; the message names it.</exception>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> values, string prefix = "", string? source = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(prefix);
        string where = source ?? "state dict";
        var targets = Entries(module);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, target) in targets)
        {
            var key = prefix + name;
            if (!values.TryGetValue(key, out var value))
                throw new StateDictMismatchException(StateDictMismatchKind.MissingKey, key, where, $"no entry '{key}' (module parameter '{name}', shape [{string.Join(", ", target.shape)}]).");
            if (!value.shape.SequenceEqual(target.shape))
                throw new StateDictMismatchException(StateDictMismatchKind.ShapeMismatch, key, where,
                    $"entry '{key}' has shape [{string.Join(", ", value.shape)}], the module expects [{string.Join(", ", target.shape)}].");
            used.Add(key);
        }
        foreach (var key in values.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            if (!used.Contains(key))
                throw new StateDictMismatchException(StateDictMismatchKind.UnexpectedKey, key, where, $"entry '{key}' matches no parameter of the module (prefix '{prefix}').");
        using var noGrad = no_grad();
        foreach (var (name, target) in targets)
        {
            using var value = values[prefix + name].to(target.dtype, target.device);
            target.copy_(value);
        }
    }

    /// <summary>The parameters and buffers of a module, by state-dict name.</summary>
    internal static List<(string Name, Tensor Tensor)> Entries(nn.Module module) =>
        module.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, b.buffer))).ToList();
}
