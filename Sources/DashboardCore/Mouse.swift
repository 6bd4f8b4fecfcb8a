import Foundation

extension Dashboard {
    /// Rows the wheel moves a notch.
    static let wheelStep = 3

    /// A click selects the row under it, a double click opens it, the wheel moves the cursor (or
    /// scrolls a page), and a click on a breadcrumb segment goes back there. Hit-testing asks the
    /// same layout and component areas that drawing uses. While a prompt is open the mouse does
    /// nothing (the prompt waits for its answer); with help open, a click closes it.
    static func mouse(_ event: MouseEvent, _ state: inout DashboardState) -> [Effect] {
        guard state.mouse, state.prompt == nil, ScreenLayout.fits(state.size) else { return [] }
        if state.overlay == .help {
            switch event.kind {
            case .wheelDown: HelpComponent.scroll(by: wheelStep, &state)
            case .wheelUp: HelpComponent.scroll(by: -wheelStep, &state)
            case .click, .doubleClick: state.overlay = nil
            }
            return []
        }
        let layout = state.layout
        switch event.kind {
        case .wheelDown:
            if layout.body.contains(x: event.x, y: event.y) { move(&state, by: wheelStep) }
        case .wheelUp:
            if layout.body.contains(x: event.x, y: event.y) { move(&state, by: -wheelStep) }
        case .click, .doubleClick:
            if layout.title.contains(x: event.x, y: event.y) {
                let c = RenderContext(state: state)
                if let segment = TitleBar.segments(c, width: layout.title.width).first(where: { $0.columns.contains(event.x) }),
                   segment.depth < state.stack.count - 1 {
                    state.stack.removeSubrange((segment.depth + 1)...)
                }
                return []
            }
            guard let index = state.frame.view.component.item(atX: event.x, y: event.y, RenderContext(state: state), body: layout.body,
                                                               frame: state.frame) else { return [] }
            select(index, &state)
            if event.kind == .doubleClick {
                var component = state.frame.view.component
                return component.open(index, &state)
            }
        }
        return []
    }
}
