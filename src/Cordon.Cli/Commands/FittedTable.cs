using Spectre.Console;
using Spectre.Console.Rendering;

namespace Cordon.Cli.Commands;

/// <summary>
/// A column of a <see cref="FittedTable"/>. <see cref="NoWrap"/> for ids, keys and dates, which must never be split;
/// <see cref="DropOrder"/> 0 for a column that always stays, otherwise the order in which columns are left out when
/// the table does not fit (1 first).
/// </summary>
internal sealed record FittedColumn(string Header, int DropOrder = 0, bool NoWrap = false, bool Right = false);

/// <summary>
/// A Spectre table that fits the console's width without splitting a word: text wraps between words, and when even
/// the narrowest layout (every column at its longest word, ids and dates whole) is wider than the console, columns are
/// left out in their drop order and named under the table, so the reader knows something is not shown.
/// </summary>
internal sealed class FittedTable(string? title, params FittedColumn[] columns)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Adds a row of markup (escape what is not markup), one cell per column.</summary>
    public FittedTable AddRow(params string[] cells)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(cells.Length, columns.Length, nameof(cells));
        _rows.Add(cells);
        return this;
    }

    /// <summary>Writes the table with as many columns as fit, then the line naming those left out (if any).</summary>
    public void Write(IAnsiConsole console, string? dropped = "--json has them all")
    {
        ArgumentNullException.ThrowIfNull(console);
        var width = console.Profile.Width;
        var kept = Enumerable.Range(0, columns.Length).ToList();
        var table = Build(kept);
        while (MinimumWidth(table, console, width) > width)
        {
            var next = kept.Where(i => columns[i].DropOrder > 0).OrderBy(i => columns[i].DropOrder).Select(i => (int?)i).FirstOrDefault();
            if (next is null)
            {
                break;
            }

            kept.Remove(next.Value);
            table = Build(kept);
        }

        console.Write(table);
        var left = Enumerable.Range(0, columns.Length).Except(kept).Select(i => columns[i].Header).ToList();
        if (left.Count > 0)
        {
            WriteText(console, $"Not shown at {width} columns: {string.Join(", ", left)}{(dropped is null ? string.Empty : $" ({dropped})")}.");
        }
    }

    /// <summary>Plain text (no markup), wrapped between words at the console's width.</summary>
    public static void WriteText(IAnsiConsole console, string text)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.Write(new Text(text));
        console.WriteLine();
    }

    private static int MinimumWidth(Table table, IAnsiConsole console, int width)
        => ((IRenderable)table).Measure(RenderOptions.Create(console), width).Min;

    private Table Build(List<int> kept)
    {
        var table = new Table();
        if (title is not null)
        {
            table.Title(title);
        }

        foreach (var i in kept)
        {
            var column = new TableColumn(columns[i].Header) { NoWrap = columns[i].NoWrap };
            table.AddColumn(columns[i].Right ? column.RightAligned() : column);
        }

        foreach (var row in _rows)
        {
            table.AddRow(kept.Select(i => row[i]).ToArray());
        }

        return table;
    }
}
