//! The pipeline's picture as a standalone SVG, laid out in pure Rust.
//!
//! `dagre` (the layered layout that Mermaid uses) places the boxes, the
//! edges' bends and their labels, and the nested pipelines' clusters as
//! rectangles around their nodes; this module only measures the text and
//! writes the shapes. Nothing is installed besides the crate: no Graphviz.

use crate::picture::{Cluster, End, Picture};
use crate::Pipeline;
use dagre::graph::{Graph, GraphOptions};
use dagre::layout::types::LabelPos;
use dagre::{EdgeLabel, LayoutOptions, NodeLabel, RankDir};
use std::collections::HashMap;
use std::fmt::Write;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

/// The picture of pipeline `P` as a standalone SVG document: inputs as
/// dashed ellipses, nodes as boxes with their names (and their outputs when
/// they differ), one edge per consumed value labelled with its name,
/// returned values as double ellipses, and each nested pipeline as a
/// rounded rectangle titled with its name around its nodes (a mapped one
/// titled `name (mapped over x)`). The same picture as `Pipeline::DOT`,
/// drawn from left to right.
///
/// Text is measured with an estimate of the average width of a character
/// (no fonts are read), generous enough for the usual sans-serif fonts.
///
/// See `hypernodes::viz` for an example.
pub fn svg<P: Pipeline>() -> String {
    draw(&P::__PICTURE)
}

/// The font size of every text, in pixels.
const FONT_SIZE: f64 = 14.0;
/// The estimated advance of one character at `FONT_SIZE`: a little more
/// than the average of Helvetica or Arial, so that text fits its box.
const CHAR_WIDTH: f64 = 8.0;
/// The distance between the baselines of a box's lines.
const LINE_HEIGHT: f64 = 18.0;
/// The space between a box's border and its text.
const PADDING: f64 = 10.0;
/// The space between a cluster's border and what is inside (nodes, edges,
/// labels), and between a cluster and what is outside: dagre keeps half of
/// `nodesep` plus half of `edgesep` between a node and a border, and
/// `edgesep` between an edge and a border. Wide enough for a title of
/// `FONT_SIZE`.
const CLUSTER_SPACE: f64 = 24.0;
/// The space around the whole picture.
const MARGIN: f64 = 16.0;

fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_WIDTH
}

/// How a laid-out element is drawn.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// A dashed ellipse.
    Input,
    /// A box with a node's label.
    Node,
    /// A double ellipse.
    Output,
}

/// A shape to lay out: its id in the layout graph, its text and its size.
struct Element {
    id: String,
    shape: Shape,
    /// What the SVG says it is: a node's path, an input's or an output's
    /// name.
    name: &'static str,
    lines: Vec<&'static str>,
    /// The name of the nested pipeline a node belongs to.
    cluster: Option<&'static str>,
    width: f64,
    height: f64,
}

impl Element {
    fn new(id: String, shape: Shape, name: &'static str, lines: Vec<&'static str>) -> Self {
        let text = lines
            .iter()
            .map(|line| text_width(line))
            .fold(0.0, f64::max);
        let (width, height) = match shape {
            // An ellipse around a text needs about √2 times its box.
            Shape::Input => (text + 3.0 * PADDING, LINE_HEIGHT + 2.0 * PADDING),
            Shape::Output => (text + 4.0 * PADDING, LINE_HEIGHT + 2.5 * PADDING),
            Shape::Node => (
                text + 2.0 * PADDING,
                lines.len() as f64 * LINE_HEIGHT + 2.0 * PADDING,
            ),
        };
        Element {
            id,
            shape,
            name,
            lines,
            cluster: None,
            width,
            height,
        }
    }
}

fn end_id(end: End) -> String {
    match end {
        End::Input(name) => format!("in:{name}"),
        End::Node(path) => format!("node:{path}"),
    }
}

fn output_id(name: &str) -> String {
    format!("out:{name}")
}

fn cluster_id(index: usize) -> String {
    format!("cluster:{index}")
}

/// A rectangle by its top-left corner and size.
#[derive(Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

impl Rect {
    /// The rectangle of a laid-out node, which dagre gives by its center.
    fn of(label: &NodeLabel) -> Self {
        let (x, y) = (label.x.unwrap_or(0.0), label.y.unwrap_or(0.0));
        Rect {
            x: x - label.width / 2.0,
            y: y - label.height / 2.0,
            width: label.width,
            height: label.height,
        }
    }

    fn center(&self) -> (f64, f64) {
        (self.x + self.width / 2.0, self.y + self.height / 2.0)
    }
}

/// Lays `picture` out and writes it as SVG.
fn draw(picture: &Picture) -> String {
    let elements = elements(picture);
    let mut graph: Graph<NodeLabel, EdgeLabel> = Graph::with_options(GraphOptions {
        directed: true,
        multigraph: true,
        compound: true,
    });
    for index in 0..picture.clusters.len() {
        graph.set_node(cluster_id(index), Some(NodeLabel::default()));
    }
    for element in &elements {
        let label = NodeLabel {
            width: element.width,
            height: element.height,
            ..NodeLabel::default()
        };
        graph.set_node(element.id.as_str(), Some(label));
    }
    for node in picture.nodes {
        if let Some(cluster) = node.cluster {
            graph.set_parent(&end_id(End::Node(node.path)), Some(&cluster_id(cluster)));
        }
    }
    let links = links(picture);
    for link in &links {
        let label = match link.value {
            Some(value) => EdgeLabel {
                width: text_width(value) + 6.0,
                height: LINE_HEIGHT,
                labelpos: LabelPos::Center,
                ..EdgeLabel::default()
            },
            None => EdgeLabel::default(),
        };
        graph.set_edge(&link.from, &link.to, Some(label), link.name.as_deref());
    }
    if !elements.is_empty() {
        dagre::layout(
            &mut graph,
            Some(LayoutOptions {
                rankdir: RankDir::LR,
                nodesep: CLUSTER_SPACE,
                edgesep: CLUSTER_SPACE,
                ranksep: 40.0,
                ..LayoutOptions::default()
            }),
        );
    }
    write(picture, &elements, &links, &graph)
}

/// An edge to lay out: a value's, or the unlabelled one to a returned
/// value.
struct Link {
    from: String,
    to: String,
    /// The edge's name in the layout graph: two values can go from one
    /// node to another.
    name: Option<String>,
    value: Option<&'static str>,
}

fn links(picture: &Picture) -> Vec<Link> {
    let values = picture.edges.iter().enumerate().map(|(index, edge)| Link {
        from: end_id(edge.from),
        to: end_id(edge.to),
        name: Some(index.to_string()),
        value: Some(edge.value),
    });
    let outputs = picture.outputs.iter().map(|output| Link {
        from: end_id(output.from),
        to: output_id(output.name),
        name: None,
        value: None,
    });
    values.chain(outputs).collect()
}

/// The inputs, the nodes and the returned values, in the picture's order.
fn elements(picture: &Picture) -> Vec<Element> {
    let inputs = (picture.inputs.iter())
        .map(|&name| Element::new(end_id(End::Input(name)), Shape::Input, name, [name].into()));
    let nodes = picture.nodes.iter().map(|node| {
        let id = end_id(End::Node(node.path));
        Element {
            cluster: (node.cluster)
                .and_then(|index| picture.clusters.get(index))
                .map(|cluster| cluster.name),
            ..Element::new(id, Shape::Node, node.path, node.label.into())
        }
    });
    let outputs = (picture.outputs.iter()).map(|output| {
        let id = output_id(output.name);
        Element::new(id, Shape::Output, output.name, [output.name].into())
    });
    inputs.chain(nodes).chain(outputs).collect()
}

/// Writes the laid-out picture: clusters first, then edges, then the
/// shapes, so that what is drawn later covers what is behind it.
fn write(
    picture: &Picture,
    elements: &[Element],
    links: &[Link],
    graph: &Graph<NodeLabel, EdgeLabel>,
) -> String {
    let mut svg = Svg::default();
    for (index, cluster) in picture.clusters.iter().enumerate() {
        if let Some(label) = graph.node(&cluster_id(index)) {
            svg.cluster(cluster, Rect::of(label));
        }
    }
    let shapes: HashMap<&str, (Shape, Rect)> = (elements.iter())
        .filter_map(|element| {
            let label = graph.node(&element.id)?;
            Some((element.id.as_str(), (element.shape, Rect::of(label))))
        })
        .collect();
    for link in links {
        if let Some(label) = graph.edge(&link.from, &link.to, link.name.as_deref()) {
            let from = shapes.get(link.from.as_str()).copied();
            let to = shapes.get(link.to.as_str()).copied();
            svg.edge(link.value, label, from, to);
        }
    }
    for element in elements {
        if let Some(&(_, rect)) = shapes.get(element.id.as_str()) {
            svg.element(element, rect);
        }
    }
    svg.finish(picture.name)
}

/// The SVG's body as it is written, and what it covers.
#[derive(Default)]
struct Svg {
    body: String,
    bounds: Bounds,
}

impl Svg {
    /// A cluster's rectangle and its title, in the space dagre leaves
    /// between the rectangle's border and the nodes (`CLUSTER_SPACE`),
    /// widened to fit the title.
    fn cluster(&mut self, cluster: &Cluster, mut rect: Rect) {
        let title = text_width(cluster.title) + 2.0 * PADDING;
        if title > rect.width {
            rect.x -= (title - rect.width) / 2.0;
            rect.width = title;
        }
        self.bounds.add(rect);
        let (center, _) = rect.center();
        let _ = writeln!(
            self.body,
            "<g class=\"cluster\" data-name=\"{}\">{}{}</g>",
            escape(cluster.name),
            rect_tag(rect, " rx=\"8\" fill=\"#f5f7fa\" stroke=\"#8a94a6\""),
            text_tag(
                center,
                rect.y + 3.0 + FONT_SIZE,
                &[cluster.title],
                " font-weight=\"bold\""
            ),
        );
    }

    /// An edge through dagre's points, from and to the shapes at its ends,
    /// with its value's label where dagre placed it.
    fn edge(
        &mut self,
        value: Option<&str>,
        label: &EdgeLabel,
        from: Option<(Shape, Rect)>,
        to: Option<(Shape, Rect)>,
    ) {
        let mut points: Vec<(f64, f64)> = label.points.iter().map(|p| (p.x, p.y)).collect();
        if points.len() < 2 {
            return;
        }
        // dagre ends edges where the line to the center meets the bounding
        // box, on any side: moved to the facing side, where the curve,
        // horizontal at its ends, meets the shape.
        if let Some((shape, rect)) = from {
            points[0] = attach(shape, rect, points[0].1, Side::Right);
        }
        if let Some((shape, rect)) = to {
            let last = points.len() - 1;
            points[last] = attach(shape, rect, points[last].1, Side::Left);
        }
        for &(x, y) in &points {
            self.bounds.add(Rect {
                x,
                y,
                width: 0.0,
                height: 0.0,
            });
        }
        let value_attribute = value.map_or(String::new(), |value| {
            format!(" data-value=\"{}\"", escape(value))
        });
        let _ = write!(
            self.body,
            "<g class=\"edge\"{value_attribute}><path d=\"{}\" fill=\"none\" stroke=\"#555\" \
             marker-end=\"url(#arrow)\"/>",
            path(&points)
        );
        if let (Some(value), Some(x), Some(y)) = (value, label.x, label.y) {
            let width = text_width(value) + 4.0;
            let rect = Rect {
                x: x - width / 2.0,
                y: y - LINE_HEIGHT / 2.0,
                width,
                height: LINE_HEIGHT,
            };
            self.bounds.add(rect);
            // A pale background keeps the label readable over other edges.
            let _ = write!(
                self.body,
                "{}{}",
                rect_tag(rect, " fill=\"#ffffff\" fill-opacity=\"0.8\""),
                text_tag(x, y + FONT_SIZE * 0.35, &[value], " fill=\"#333\"")
            );
        }
        self.body.push_str("</g>\n");
    }

    /// An input, a node or a returned value, with its text.
    fn element(&mut self, element: &Element, rect: Rect) {
        self.bounds.add(rect);
        let (x, y) = rect.center();
        let (class, attribute, shape) = match element.shape {
            Shape::Input => (
                "input",
                "name",
                ellipse_tag(rect, 0.0, " stroke-dasharray=\"5,3\""),
            ),
            Shape::Node => (
                "node",
                "path",
                rect_tag(rect, " rx=\"3\" fill=\"#e8f0fe\" stroke=\"#3b5b92\""),
            ),
            Shape::Output => (
                "output",
                "name",
                format!(
                    "{}{}",
                    ellipse_tag(rect, 0.0, ""),
                    ellipse_tag(rect, 4.0, "")
                ),
            ),
        };
        let first = y - (element.lines.len() as f64 - 1.0) * LINE_HEIGHT / 2.0;
        let cluster = element.cluster.map_or(String::new(), |name| {
            format!(" data-cluster=\"{}\"", escape(name))
        });
        let _ = writeln!(
            self.body,
            "<g class=\"{class}\" data-{attribute}=\"{}\"{cluster}>{shape}{}</g>",
            escape(element.name),
            text_tag(x, first + FONT_SIZE * 0.35, &element.lines, "")
        );
    }

    /// The document: its size (what is drawn and a margin), the pipeline's
    /// name as its title, the arrowhead, a white background, the body.
    fn finish(self, name: &str) -> String {
        let Svg { body, bounds } = self;
        let (left, top) = (bounds.left(), bounds.top());
        let (width, height) = (bounds.width(), bounds.height());
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
             viewBox=\"{left:.1} {top:.1} {width:.1} {height:.1}\" \
             font-family=\"Helvetica, Arial, sans-serif\" font-size=\"{FONT_SIZE}\">\n\
             <title>{}</title>\n\
             <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">\
             <path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>\n\
             <rect x=\"{left:.1}\" y=\"{top:.1}\" width=\"{width:.1}\" height=\"{height:.1}\" \
             fill=\"#ffffff\"/>\n\
             {body}</svg>\n",
            escape(name),
        )
    }
}

/// The smallest rectangle around everything drawn, with `MARGIN` around.
#[derive(Default)]
struct Bounds(Option<(f64, f64, f64, f64)>);

impl Bounds {
    fn add(&mut self, rect: Rect) {
        let (right, bottom) = (rect.x + rect.width, rect.y + rect.height);
        self.0 = Some(match self.0 {
            None => (rect.x, rect.y, right, bottom),
            Some((x0, y0, x1, y1)) => (
                x0.min(rect.x),
                y0.min(rect.y),
                x1.max(right),
                y1.max(bottom),
            ),
        });
    }

    fn left(&self) -> f64 {
        self.0.map_or(0.0, |(x0, ..)| x0) - MARGIN
    }

    fn top(&self) -> f64 {
        self.0.map_or(0.0, |(_, y0, ..)| y0) - MARGIN
    }

    fn width(&self) -> f64 {
        self.0.map_or(0.0, |(x0, _, x1, _)| x1 - x0) + 2.0 * MARGIN
    }

    fn height(&self) -> f64 {
        self.0.map_or(0.0, |(_, y0, _, y1)| y1 - y0) + 2.0 * MARGIN
    }
}

/// A side of a shape.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Left,
    Right,
}

/// Where an edge leaves or enters a shape: on its `side`, at the height
/// `y` kept away from the corners (or the ends of an ellipse).
fn attach(shape: Shape, rect: Rect, y: f64, side: Side) -> (f64, f64) {
    let (cx, cy) = rect.center();
    let (rx, ry) = (rect.width / 2.0, rect.height / 2.0);
    let reach = match shape {
        Shape::Node => (ry - 6.0).max(0.0),
        Shape::Input | Shape::Output => ry / 2.0,
    };
    let dy = (y - cy).clamp(-reach, reach);
    let dx = match shape {
        Shape::Node => rx,
        Shape::Input | Shape::Output => rx * (1.0 - (dy / ry).powi(2)).sqrt(),
    };
    match side {
        Side::Left => (cx - dx, cy + dy),
        Side::Right => (cx + dx, cy + dy),
    }
}

/// A smooth path through `points`, horizontal at each of them (the picture
/// flows from left to right): one cubic curve per segment, its control
/// points halfway along it.
fn path(points: &[(f64, f64)]) -> String {
    let mut d = format!("M {:.1} {:.1}", points[0].0, points[0].1);
    for pair in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let middle = (x0 + x1) / 2.0;
        let _ = write!(
            d,
            " C {middle:.1} {y0:.1} {middle:.1} {y1:.1} {x1:.1} {y1:.1}"
        );
    }
    d
}

fn rect_tag(rect: Rect, style: &str) -> String {
    format!(
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"{style}/>",
        rect.x, rect.y, rect.width, rect.height
    )
}

/// The ellipse inscribed in `rect`, `inset` pixels inside it.
fn ellipse_tag(rect: Rect, inset: f64, style: &str) -> String {
    let (cx, cy) = rect.center();
    format!(
        "<ellipse cx=\"{cx:.1}\" cy=\"{cy:.1}\" rx=\"{:.1}\" ry=\"{:.1}\" fill=\"#ffffff\" \
         stroke=\"#333\"{style}/>",
        rect.width / 2.0 - inset,
        rect.height / 2.0 - inset
    )
}

/// Centered text, one line per entry of `lines`, the first line's baseline
/// at `y`.
fn text_tag(x: f64, y: f64, lines: &[&str], style: &str) -> String {
    let mut text = format!("<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\"{style}>");
    match lines {
        [line] => text.push_str(&escape(line)),
        _ => {
            for (index, line) in lines.iter().enumerate() {
                let dy = if index == 0 { 0.0 } else { LINE_HEIGHT };
                let _ = write!(
                    text,
                    "<tspan x=\"{x:.1}\" dy=\"{dy}\">{}</tspan>",
                    escape(line)
                );
            }
        }
    }
    text.push_str("</text>");
    text
}

/// Text or an attribute value as XML.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::picture::{Edge, NodeBox, Output};

    #[test]
    fn text_and_attributes_are_escaped() {
        const NODE: &str = "x / \"y\"";
        const PICTURE: Picture = Picture {
            name: "A<B>",
            inputs: &["a&b"],
            nodes: &[NodeBox {
                path: NODE,
                label: &["<y>", "→ 'z'"],
                cluster: Some(0),
            }],
            clusters: &[Cluster {
                name: "x",
                title: "x (mapped over a&b)",
            }],
            edges: &[Edge {
                from: End::Input("a&b"),
                value: "a&b",
                to: End::Node(NODE),
            }],
            outputs: &[Output {
                name: "z<",
                from: End::Node(NODE),
            }],
        };
        let svg = draw(&PICTURE);
        for escaped in [
            "<title>A&lt;B&gt;</title>",
            ">a&amp;b</text>",
            "data-value=\"a&amp;b\"",
            "data-path=\"x / &quot;y&quot;\"",
            ">&lt;y&gt;</tspan>",
            ">→ &apos;z&apos;</tspan>",
            ">x (mapped over a&amp;b)</text>",
            ">z&lt;</text>",
        ] {
            assert!(svg.contains(escaped), "no {escaped:?} in {svg}");
        }
        for raw in ["a&b", "<y>", "z<", "A<B"] {
            assert!(!svg.contains(raw), "{raw:?} in {svg}");
        }
    }

    #[test]
    fn an_empty_picture_is_an_empty_svg() {
        let svg = draw(&Picture::EMPTY);
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>\n"), "{svg}");
        assert!(!svg.contains("<g "), "{svg}");
    }
}
