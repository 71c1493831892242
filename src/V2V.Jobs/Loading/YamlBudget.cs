using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace V2V.Jobs.Loading;

/// <summary>
/// Walks a YAML text's parser events — no node is built — and refuses, at the line and column
/// where the limit is crossed, what would make building the node tree hang or crash: nesting deeper
/// than <see cref="MaxDepth"/> (building recurses per level; 60,000 levels overflow the stack), and
/// aliases that expand the document past <see cref="MaxExpandedNodes"/> nodes (ten aliases of ten
/// aliases of ... grow ×10 per level, and mapping keys are hashed over their whole expansion). An
/// alias must name an anchor whose node is complete: an alias inside its own anchor's node would
/// make a cyclic tree. A mapping must hold key-value pairs (the parser can lose a malformed key's
/// value, and the tree builder then fails without a location).
/// </summary>
public static class YamlBudget
{
    /// <summary>Collections inside collections; a job file needs 6 (jobs, a job, chain, a step, ...).</summary>
    public const int MaxDepth = 64;

    /// <summary>Scalars and collections counted once per alias that repeats them.</summary>
    public const long MaxExpandedNodes = 1_000_000;

    /// <summary>The first limit crossed or broken structure, as (line, column, message), or null when the text is within budget.</summary>
    /// <exception cref="YamlException">A syntax error, located by the parser.</exception>
    public static (long Line, long Column, string Message)? Check(string text)
    {
        var parser = new Parser(new StringReader(text));
        var open = new Stack<Frame>();
        var complete = new Dictionary<string, long>(StringComparer.Ordinal);
        var opened = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        while (Next(parser))
        {
            var current = parser.Current!;
            long nodes;
            switch (current)
            {
                case MappingStart or SequenceStart:
                    if (open.Count >= MaxDepth)
                    {
                        return At(current, $"nesting deeper than {MaxDepth} levels");
                    }

                    total++;
                    var anchor = ((NodeEvent)current).Anchor;
                    if (open.TryPeek(out var container))
                    {
                        container.LastChild = current.Start;
                    }

                    open.Push(new Frame(anchor.IsEmpty ? null : anchor.Value, current is MappingStart));
                    if (!anchor.IsEmpty)
                    {
                        opened.Add(anchor.Value);
                    }

                    continue;
                case MappingEnd or SequenceEnd:
                    var frame = open.Pop();
                    if (frame.IsMapping && frame.Children % 2 != 0)
                    {
                        // YamlDotNet's parser drops the value of some malformed keys (": i" indented);
                        // building the tree would then fail without a location.
                        return (frame.LastChild.Line, frame.LastChild.Column, "a mapping key without a value (YAML syntax error)");
                    }

                    if (frame.Anchor is not null)
                    {
                        complete[frame.Anchor] = frame.Nodes;
                        opened.Remove(frame.Anchor);
                    }

                    nodes = frame.Nodes;
                    break;
                case Scalar scalar:
                    nodes = 1;
                    if (!scalar.Anchor.IsEmpty)
                    {
                        complete[scalar.Anchor.Value] = 1;
                    }

                    total++;
                    break;
                case AnchorAlias alias:
                    if (!complete.TryGetValue(alias.Value.Value, out nodes))
                    {
                        return At(current, opened.Contains(alias.Value.Value)
                            ? $"alias *{alias.Value.Value} is inside the node its anchor names (a cycle)"
                            : $"alias *{alias.Value.Value} names no anchor defined before it");
                    }

                    total += nodes;
                    break;
                default:
                    continue;
            }

            if (total > MaxExpandedNodes)
            {
                return At(current, $"aliases expand the document past {MaxExpandedNodes} nodes");
            }

            if (open.TryPeek(out var parent))
            {
                parent.Nodes = Math.Min(parent.Nodes + nodes, MaxExpandedNodes + 1);
                parent.Children++;
                if (current is Scalar or AnchorAlias)
                {
                    parent.LastChild = current.Start;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// YamlDotNet's parser throws InvalidOperationException on some malformed flow collections
    /// (": {" then a plain scalar) instead of a located YamlException; that is still bad input,
    /// reported where the last well-formed event ended.
    /// </summary>
    private static bool Next(Parser parser)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (InvalidOperationException)
        {
            var end = parser.Current?.End ?? Mark.Empty;
            // Not e.Message ("Operation is not valid due to the current state of the object"): the parser's state, not the file's.
            throw new SyntaxErrorException(end, end, "YAML syntax error: the parser cannot go on past this point (a key or value is missing or misplaced)");
        }
    }

    /// <summary>An open collection: its nodes so far (aliases expanded), its direct children, where the last began.</summary>
    private sealed class Frame(string? anchor, bool isMapping)
    {
        public string? Anchor { get; } = anchor;
        public bool IsMapping { get; } = isMapping;
        public long Nodes { get; set; } = 1;
        public int Children { get; set; }
        public Mark LastChild { get; set; } = Mark.Empty;
    }

    private static (long, long, string) At(ParsingEvent at, string message) => (at.Start.Line, at.Start.Column, message);
}
