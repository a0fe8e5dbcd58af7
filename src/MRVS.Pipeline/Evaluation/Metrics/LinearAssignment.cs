namespace MRVS.Pipeline.Evaluation.Metrics;

/// <summary>
/// Minimum-cost assignment of a rectangular cost matrix, as <c>scipy.optimize.linear_sum_assignment</c> solves it
/// (the shortest augmenting path method of Crouse, 2016, with its order of rows and its tie rule: among columns of
/// equal reduced cost the scan keeps the first, unless a later one is unassigned). Following the same steps gives the
/// same assignment when several are optimal, which the DAVIS unsupervised evaluation can meet with empty objects.
/// Returns the row indices in increasing order and the column assigned to each.
/// </summary>
public static class LinearAssignment
{
    /// <summary>The assignment of least total cost (scipy's linear_sum_assignment): rows and their columns.</summary>
    public static (int[] Rows, int[] Columns) Solve(double[,] cost)
    {
        int nr = cost.GetLength(0), nc = cost.GetLength(1);
        if (nr == 0 || nc == 0) return ([], []);
        bool transpose = nc < nr;
        if (transpose) (nr, nc) = (nc, nr);
        double Cost(int i, int j) => transpose ? cost[j, i] : cost[i, j];

        var u = new double[nr];
        var v = new double[nc];
        var shortest = new double[nc];
        var path = new int[nc];
        var col4row = Enumerable.Repeat(-1, nr).ToArray();
        var row4col = Enumerable.Repeat(-1, nc).ToArray();
        var sr = new bool[nr];
        var sc = new bool[nc];
        var remaining = new int[nc];
        for (int curRow = 0; curRow < nr; curRow++)
        {
            double minVal = 0;
            int i = curRow, sink = -1, left = nc;
            for (int it = 0; it < nc; it++) remaining[it] = nc - it - 1;
            Array.Fill(sr, false);
            Array.Fill(sc, false);
            Array.Fill(shortest, double.PositiveInfinity);
            while (sink == -1)
            {
                int index = -1;
                double lowest = double.PositiveInfinity;
                sr[i] = true;
                for (int it = 0; it < left; it++)
                {
                    int j = remaining[it];
                    double r = minVal + Cost(i, j) - u[i] - v[j];
                    if (r < shortest[j])
                    {
                        path[j] = i;
                        shortest[j] = r;
                    }
                    if (shortest[j] < lowest || (shortest[j] == lowest && row4col[j] == -1))
                    {
                        lowest = shortest[j];
                        index = it;
                    }
                }
                minVal = lowest;
                if (double.IsPositiveInfinity(minVal)) throw new ArgumentException("the cost matrix is infeasible");
                int col = remaining[index];
                if (row4col[col] == -1) sink = col;
                else i = row4col[col];
                sc[col] = true;
                remaining[index] = remaining[--left];
            }
            u[curRow] += minVal;
            for (int r = 0; r < nr; r++)
                if (sr[r] && r != curRow) u[r] += minVal - shortest[col4row[r]];
            for (int c = 0; c < nc; c++)
                if (sc[c]) v[c] -= minVal - shortest[c];
            for (int j = sink; ;)
            {
                int r = path[j];
                row4col[j] = r;
                (col4row[r], j) = (j, col4row[r]);
                if (r == curRow) break;
            }
        }
        if (!transpose) return (Enumerable.Range(0, nr).ToArray(), col4row);
        var order = Enumerable.Range(0, nr).OrderBy(r => col4row[r]).ToArray();
        return (order.Select(r => col4row[r]).ToArray(), order);
    }
}
