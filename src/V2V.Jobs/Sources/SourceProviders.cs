namespace V2V.Jobs.Sources;

/// <summary>The registered source providers, found by the <c>type:</c> a job names.</summary>
public sealed class SourceProviders
{
    /// <summary>The type of a source that names none: recognised by its content.</summary>
    public const string Auto = "auto";

    private readonly Dictionary<string, ISourceProvider> _byType = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">Two providers claim one type, or none reads <see cref="Auto"/>.</exception>
    public SourceProviders(IEnumerable<ISourceProvider> providers)
    {
        foreach (var provider in providers)
        {
            foreach (string type in provider.Types)
            {
                if (!_byType.TryAdd(type, provider))
                {
                    throw new ArgumentException($"two source providers read type \"{type}\"", nameof(providers));
                }
            }
        }

        Default = Find(Auto) ?? throw new ArgumentException($"no source provider reads type \"{Auto}\"", nameof(providers));
        Types = [Auto, .. _byType.Keys.Where(t => t != Auto).Order(StringComparer.Ordinal)];
    }

    /// <summary>Every type name, "auto" first, then in ordinal order (the order messages and the JSON Schema list them in).</summary>
    public IReadOnlyList<string> Types { get; }

    /// <summary>The provider of <see cref="Auto"/>, which also reads sources that name no type.</summary>
    public ISourceProvider Default { get; }

    public ISourceProvider? Find(string type) => _byType.GetValueOrDefault(type);
}
