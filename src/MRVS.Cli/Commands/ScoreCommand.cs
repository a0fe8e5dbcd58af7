using System.CommandLine;
using System.Globalization;
using MRVS.Pipeline.Evaluation.Metrics;

namespace MRVS.Cli.Commands;

/// <summary><c>mrvs score</c>: the DAVIS-2017 J and F measures of predicted masks against ground truth.</summary>
public static class ScoreCommand
{
    public static Command Create()
    {
        var gt = new Option<string>("--gt")
        {
            Description = "ground truth: <sequence>/<frame>.png (a sequence may be nested, e.g. <video>/<exp_id>)",
            Required = true,
        };
        var pred = new Option<string>("--pred")
        {
            Description = "predictions with the same <sequence>/<frame>.png files",
            Required = true,
        };
        var json = new Option<string?>("--json") { Description = "also write the figures to this JSON file" };
        var objects = new Option<bool>("--objects")
        {
            Description = "indexed PNGs scored as eval_davis.py's unsupervised task (objects 1..n, 255 void, " +
                          "proposals matched to objects); default: non-zero = foreground",
        };
        var cmd = new Command("score", "DAVIS-2017 region (J) and boundary (F) measures of predicted masks")
        {
            gt, pred, json, objects,
        };
        cmd.SetAction(r => CliErrors.Guard(() =>
        {
            var report = DavisEvaluation.ScoreFolders(r.GetValue(gt)!, r.GetValue(pred)!, r.GetValue(objects));
            Print(report);
            if (r.GetValue(json) is { } path) DavisReportJson.Write(path, report);
            return 0;
        }));
        return cmd;
    }

    public static void Print(DavisReport report)
    {
        var c = CultureInfo.InvariantCulture;
        int width = Math.Max(8, report.Sequences.Max(s => s.Name.Length));
        Console.WriteLine($"{"sequence".PadRight(width)}  J-Mean  J-Recall  J-Decay  F-Mean  F-Recall  F-Decay");
        foreach (var s in report.Sequences)
            Console.WriteLine(string.Format(c, "{0}  {1,6:F4}  {2,8:F4}  {3,7:F4}  {4,6:F4}  {5,8:F4}  {6,7:F4}",
                s.Name.PadRight(width), s.J.Mean, s.J.Recall, s.J.Decay, s.F.Mean, s.F.Recall, s.F.Decay));
        Console.WriteLine(string.Format(c, "J&F-Mean {0:F4} J-Mean {1:F4} F-Mean {2:F4}",
            report.JFMean, report.JMean, report.FMean));
    }
}
